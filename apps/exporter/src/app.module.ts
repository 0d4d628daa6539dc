import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { customerSourceProviders } from '@tracking/customer-store';
import { ADMIN_TOKEN_SHA256, ApiExceptionFilter, readAuditProviders } from '@tracking/http';
import { AuditTopicSink, consumingServiceProviders } from '@tracking/kafka';
import { ObservabilityModule, type Logger } from '@tracking/observability';
import { erasureListProviders } from '@tracking/privacy';
import { EXPORTER_CONFIG, type ExporterConfig } from './config/exporter.config';
import { ExportController } from './export/export.controller';
import { ObjectLocatorController } from './export/object-locator.controller';
import { ExportConsumer } from './export/export.consumer';
import { ExportService } from './export/export.service';
import { ExportStatusService } from './export/export-status.service';
import { ExportActivityService } from './export/export-activity.service';
import { ExportUsageService } from './export/export-usage.service';
import { ExporterInstance } from './export/exporter-instance';
import { ServiceWideExport } from './export/service-wide-export';
import { ExporterMetrics } from './exporter.metrics';
import { EXPORT_TARGETS } from './exporter.tokens';
import { BucketProbe } from './health/bucket.probe';
import { CustomerHealthMonitor } from './health/customer-health.monitor';
import { SiteDomainRegistry } from './metering/site-domain.registry';
import { PartitionRegistry } from './partitions/partition.registry';
import { ErasureRewriter } from './privacy/erasure.rewriter';
import { ErasureWorker } from './privacy/erasure.worker';
import { ErasureWorkLease } from './privacy/erasure-work.lease';
import { ExporterErasures } from './privacy/exporter-erasures';
import { PrivacyController } from './privacy/privacy.controller';
import { SubjectAccessService } from './privacy/subject-access.service';
import { BoundaryLedger } from './s3/boundary.ledger';
import { S3Clients } from './s3/s3-clients';
import type { ExportTargets } from './targets/export-targets';
import { ExportTargetsFollower } from './targets/export-targets.follower';
import { ObjectUploader } from './upload/object.uploader';
import { S3ObjectWriter } from './upload/s3-object.writer';

/**
 * The exporter's parts: the consumption edge (ExportConsumer) hands batches to ExportService, which
 * cuts objects per partition (PartitionRegistry owns the partitions and their commits), writes them
 * through ObjectUploader (queue + S3ObjectWriter + BoundaryLedger), detaches and resumes customers whose
 * buckets fail (CustomerHealthMonitor, BucketProbe), and publishes first-seen site domains
 * (SiteDomainRegistry). ExportStatusService is what the operations API reads of this instance;
 * ServiceWideExport gathers every instance's part (run, status) from the group's other members.
 * Privacy (issue 20): ExporterErasures follows the erasure list (every write leaves erased subjects
 * out), ErasureWorker rewrites the buckets for each request on the instance holding ErasureWorkLease,
 * SubjectAccessService answers access requests (PrivacyController).
 */
@Module({})
export class ExporterModule {
  static register(config: ExporterConfig, targets: ExportTargets, logger: Logger): DynamicModule {
    // Announced with the group subscription: whichever instance is asked finds the others (ServiceWideExport).
    const instance = new ExporterInstance(config.port);
    return {
      module: ExporterModule,
      imports: [ObservabilityModule.forRoot({ service: 'exporter', logger })],
      controllers: [ExportController, ObjectLocatorController, ExportConsumer, PrivacyController],
      providers: [
        { provide: EXPORTER_CONFIG, useValue: config },
        { provide: APP_FILTER, useClass: ApiExceptionFilter },
        { provide: ADMIN_TOKEN_SHA256, useValue: config.adminTokenSha256 },
        { provide: EXPORT_TARGETS, useValue: targets },
        { provide: ExporterInstance, useValue: instance },
        ...consumingServiceProviders('exporter', { ...config, memberUserData: instance.announcement() }, logger),
        ...readAuditProviders('exporter', AuditTopicSink),
        ExporterMetrics,
        ...erasureListProviders({ kafka: config.kafka, registry: config.registry, service: 'exporter' }),
        ...customerSourceProviders({ kafka: config.kafka, registry: config.registry, customersDir: config.customersDir, directoryPollMs: 5000, service: 'exporter' }),
        ExportTargetsFollower,
        S3Clients,
        ExporterErasures,
        ErasureRewriter,
        ErasureWorkLease,
        ErasureWorker,
        SubjectAccessService,
        BoundaryLedger,
        S3ObjectWriter,
        BucketProbe,
        CustomerHealthMonitor,
        SiteDomainRegistry,
        PartitionRegistry,
        ObjectUploader,
        ExportService,
        ExportStatusService,
        ExportUsageService,
        ExportActivityService,
        ServiceWideExport,
      ],
    };
  }
}
