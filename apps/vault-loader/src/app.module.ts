import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import type { Pool } from 'pg';
import { DATABASE_POOL, DatabasePoolCloser, createDatabasePool } from '@tracking/database';
import { ADMIN_TOKEN_SHA256, ApiExceptionFilter, readAuditProviders } from '@tracking/http';
import { customerSourceProviders } from '@tracking/customer-store';
import { AuditTopicSink, ConfluentSchemaRegistryAdapter, consumingServiceProviders, createKafkaClient } from '@tracking/kafka';
import { LOGGER, ObservabilityModule, ReadinessRegistry, type Logger } from '@tracking/observability';
import { ErasurePublisher, erasureListProviders, erasureReportsProviders } from '@tracking/privacy';
import { VAULT_LOADER_CONFIG, type VaultLoaderConfig } from './config/vault-loader.config';
import { LoaderMetrics } from './loading/loader.metrics';
import { RetentionPolicy } from './loading/retention.policy';
import { VaultConsumer } from './loading/vault.consumer';
import { VaultLoadService } from './loading/vault-load.service';
import { ErasureRepository } from './privacy/erasure.repository';
import { ERASURE_PUBLISHER, ErasureService } from './privacy/erasure.service';
import { PrivacyController } from './privacy/privacy.controller';
import { RetentionJob } from './privacy/retention.job';
import { RetentionRepository } from './privacy/retention.repository';
import { RejectedEventLoader } from './rejections/rejected-event.loader';
import { RejectedEventRepository } from './rejections/rejected-event.repository';
import { SiteBackfill } from './sites/site-backfill';
import { SiteCatalog } from './sites/site-catalog';
import { SitesController } from './sites/sites.controller';
import { ExporterAccessClient } from './privacy/exporter-access.client';
import { SubjectAccessController } from './privacy/subject-access.controller';
import { SubjectAccessRepository } from './privacy/subject-access.repository';
import { SubjectAccessService } from './privacy/subject-access.service';
import { VaultPartitions } from './vault/vault-partitions';
import { PartitionRetention } from './privacy/partition-retention';
import { VaultRepository } from './vault/vault.repository';

@Module({})
export class VaultLoaderModule {
  static register(config: VaultLoaderConfig, logger: Logger): DynamicModule {
    return {
      module: VaultLoaderModule,
      imports: [ObservabilityModule.forRoot({ service: 'vault-loader', logger })],
      controllers: [PrivacyController, SubjectAccessController, SitesController, VaultConsumer],
      providers: [
        { provide: VAULT_LOADER_CONFIG, useValue: config },
        { provide: APP_FILTER, useClass: ApiExceptionFilter },
        { provide: ADMIN_TOKEN_SHA256, useValue: config.adminTokenSha256 },
        ...consumingServiceProviders('vaultLoader', config, logger),
        ...readAuditProviders('vault-loader', AuditTopicSink),
        {
          provide: DATABASE_POOL,
          inject: [ReadinessRegistry],
          useFactory: (readiness: ReadinessRegistry): Pool => {
            const pool = createDatabasePool(config.databaseUrl, config.databasePoolSize, 'vault-loader', logger);
            readiness.register({ name: 'postgres', check: async () => void (await pool.query('SELECT 1')) });
            return pool;
          },
        },
        DatabasePoolCloser,
        LoaderMetrics,
        VaultPartitions,
        VaultRepository,
        ...customerSourceProviders({
          kafka: config.kafka,
          registry: config.registry,
          customersDir: config.customersDir,
          directoryPollMs: 5000,
          service: 'vault-loader',
        }),
        RetentionPolicy,
        SiteCatalog,
        SiteBackfill,
        RetentionRepository,
        PartitionRetention,
        RetentionJob,
        ErasureRepository,
        // Erasure as a platform-wide request (issue 20): the list every instance follows, the reports for the status API.
        ...erasureListProviders({ kafka: config.kafka, registry: config.registry, service: 'vault-loader' }),
        ...erasureReportsProviders({ kafka: config.kafka, registry: config.registry, service: 'vault-loader' }),
        {
          provide: ERASURE_PUBLISHER,
          inject: [LOGGER],
          useFactory: (log: Logger) => new ErasurePublisher(createKafkaClient(config.kafka, log), new ConfluentSchemaRegistryAdapter(config.registry)),
        },
        ErasureService,
        SubjectAccessRepository,
        ExporterAccessClient,
        SubjectAccessService,
        VaultLoadService,
        RejectedEventRepository,
        RejectedEventLoader,
      ],
    };
  }
}
