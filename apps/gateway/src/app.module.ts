import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { customerSourceProviders } from '@tracking/customer-store';
import { DATABASE_POOL, DatabasePoolCloser, createDatabasePool } from '@tracking/database';
import { ADMIN_TOKEN_SHA256, AdminTokenGuard } from '@tracking/http';
import { ObservabilityModule, type Logger } from '@tracking/observability';
import { AbuseLedger } from './audit/abuse-ledger';
import { AuditInterceptor } from './audit/audit.interceptor';
import { AuditTrail } from './audit/audit-trail';
import { ApiTokenGuard } from './auth/api-token.guard';
import { PublishableKeyGuard } from './auth/publishable-key.guard';
import { TrackingEnabledGuard } from './auth/tracking-enabled.guard';
import { CollectController } from './collect/collect.controller';
import { AdminAccessGuard, ConsoleOperatorGuard, ConsoleSessionGuard, ConsoleSessionReader, ReadAccessGuard } from './console/console-access.guards';
import { ConsoleSessionController, ConsoleSignInRateLimitGuard } from './console/console-session.controller';
import { ConsoleSessionRepository } from './console/console-session.repository';
import { ConsoleSessionService } from './console/console-session.service';
import { ConsoleController } from './console/console.controller';
import { ConsoleKeysController } from './console/keys/console-keys.controller';
import { ConsoleAutomationsController } from './console/automations/console-automations.controller';
import { ConsoleAutomationsService } from './console/automations/console-automations.service';
import { EventJourneyService } from './console/live/event-journey.service';
import { LiveEventsController } from './console/live/live-events.controller';
import { LiveEventsReader } from './console/live/live-events.reader';
import { RedriveRepository } from './console/rejected/redrive.repository';
import { RedriveService } from './console/rejected/redrive.service';
import { RejectedController } from './console/rejected/rejected.controller';
import { ConsoleReplayController } from './console/operator/console-replay.controller';
import { ConsoleReplayService } from './console/operator/console-replay.service';
import { CustomerHealthService } from './console/operator/customer-health.service';
import { RequestHealthRecorder } from './gateway-health/request-health.recorder';
import { RequestHealthRepository } from './gateway-health/request-health.repository';
import { RequestHealthService } from './gateway-health/request-health.service';
import { ConsoleExportsController } from './console/exports/console-exports.controller';
import { ConsoleExportsService } from './console/exports/console-exports.service';
import { ConsolePrivacyController } from './console/privacy/console-privacy.controller';
import { ConsolePrivacyService } from './console/privacy/console-privacy.service';
import { GATEWAY_CONFIG, type GatewayConfig } from './config/gateway.config';
import { CustomerEndpointsController } from './customers/customer-endpoints.controller';
import { CustomerRegistry } from './customers/customer.registry';
import { GatewayExceptionFilter } from './http/gateway-exception.filter';
import { JsonBodyGuard } from './http/json-body.guard';
import { TrackingKeyCache } from './keys/tracking-key.cache';
import { TrackingKeyRepository } from './keys/tracking-key.repository';
import { TrackingKeysController } from './keys/tracking-keys.controller';
import { TrackingKeysService } from './keys/tracking-keys.service';
import { GatewayPublisher } from './messaging/gateway.publisher';
import { MemoryRateLimitStore } from './rate-limit/memory-rate-limit.store';
import { RATE_LIMIT_STORE, type RateLimitStore } from './rate-limit/rate-limit.store';
import { ClientAddressRateLimitGuard, CustomerRateLimitGuard } from './rate-limit/rate-limit.guards';
import { RateLimiter } from './rate-limit/rate-limiter';
import { RedisRateLimitStore } from './rate-limit/redis-rate-limit.store';
import { IngestionGuard } from './track/ingestion.guard';
import { IngestionService } from './track/ingestion.service';
import { TrackController } from './track/track.controller';
import { AnalyticsController } from './reporting/analytics.controller';
import { ConsumerLagService } from './reporting/consumer-lag.service';
import { PipelineController } from './reporting/pipeline.controller';
import { PipelineProcessor } from './reporting/pipeline-processor';
import { TenantReadRepository } from './reporting/tenant-read.repository';
import { TrackingScriptModule } from './tracking-script/tracking-script.module';
import { ServiceAdminClient } from './services/service-admin.client';
import { ExportUsageClient } from './usage/export-usage.client';
import { StorageQuotaMonitor } from './usage/storage-quota.monitor';
import { StorageUsageRepository } from './usage/storage-usage.repository';

@Module({})
export class GatewayModule {
  static register(config: GatewayConfig, logger: Logger): DynamicModule {
    return {
      module: GatewayModule,
      imports: [ObservabilityModule.forRoot({ service: 'gateway', logger }), TrackingScriptModule],
      controllers: [
        TrackController,
        CollectController,
        CustomerEndpointsController,
        TrackingKeysController,
        PipelineController,
        AnalyticsController,
        ConsoleSessionController,
        ConsoleController,
        ConsoleKeysController,
        ConsoleAutomationsController,
        LiveEventsController,
        RejectedController,
        ConsoleExportsController,
        ConsolePrivacyController,
        ConsoleReplayController,
      ],
      providers: [
        { provide: GATEWAY_CONFIG, useValue: config },
        { provide: APP_FILTER, useClass: GatewayExceptionFilter },
        { provide: ADMIN_TOKEN_SHA256, useValue: config.adminTokenSha256 },
        { provide: DATABASE_POOL, useFactory: () => createDatabasePool(config.databaseUrl, config.databasePoolSize, 'gateway', logger) },
        DatabasePoolCloser,
        {
          provide: RATE_LIMIT_STORE,
          useFactory: (): RateLimitStore =>
            config.rateLimits.redisUrl ? new RedisRateLimitStore(config.rateLimits.redisUrl, config.rateLimits.redisTlsCa) : new MemoryRateLimitStore(),
        },
        ...customerSourceProviders({
          kafka: config.kafka,
          registry: config.registry,
          customersDir: config.customersDir,
          directoryPollMs: config.watchCustomers ? 1000 : 0,
          service: 'gateway',
        }),
        CustomerRegistry,
        TrackingKeyRepository,
        TrackingKeyCache,
        TrackingKeysService,
        GatewayPublisher,
        AuditTrail,
        AbuseLedger,
        AuditInterceptor,
        IngestionService,
        IngestionGuard,
        RateLimiter,
        ClientAddressRateLimitGuard,
        CustomerRateLimitGuard,
        ApiTokenGuard,
        PublishableKeyGuard,
        AdminTokenGuard,
        TrackingEnabledGuard,
        JsonBodyGuard,
        TenantReadRepository,
        ConsumerLagService,
        PipelineProcessor,
        StorageUsageRepository,
        ExportUsageClient,
        ServiceAdminClient,
        ConsoleAutomationsService,
        ConsoleExportsService,
        ConsolePrivacyService,
        StorageQuotaMonitor,
        ConsoleSessionRepository,
        RedriveRepository,
        RedriveService,
        ConsoleSessionService,
        ConsoleSessionReader,
        ConsoleSessionGuard,
        ReadAccessGuard,
        AdminAccessGuard,
        ConsoleOperatorGuard,
        ConsoleSignInRateLimitGuard,
        LiveEventsReader,
        EventJourneyService,
        RequestHealthRepository,
        RequestHealthRecorder,
        RequestHealthService,
        CustomerHealthService,
        ConsoleReplayService,
      ],
    };
  }
}
