import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { CUSTOMER_SOURCE, type CustomerSource } from '@tracking/customer-store';
import { startKafkaConsumer } from '@tracking/kafka';
import { createApiService } from '@tracking/http';
import type { Logger } from '@tracking/observability';
import { ExporterModule } from './app.module';
import { ExportService } from './export/export.service';
import { ExporterErasures } from './privacy/exporter-erasures';
import type { ExporterConfig } from './config/exporter.config';
import { emptyExportTargets } from './targets/export-targets';

/** Builds the exporter from its configuration and the customers' s3_export blocks (followed live): HTTP for health and export operations, and its Kafka consumer, already consuming. */
export async function createExporter(config: ExporterConfig, logger: Logger): Promise<NestFastifyApplication> {
  // Filled and kept current from the shared customer configuration (ExportTargetsFollower).
  const targets = emptyExportTargets();
  const app = await createApiService(ExporterModule.register(config, targets, logger), logger, {
    title: 'Exporter',
    description: "Operators' API of the S3 exporter (seed 004): flush open objects now, status, configuration without secrets. Every route needs Bearer TRACKING_ADMIN_TOKEN.",
    version: '1.0.0',
  });
  // Records of a customer not read yet would be skipped as not configured, and committed past; records
  // consumed before the erasure list is read would be written with erased subjects in them.
  await startKafkaConsumer(app, ExportService, Promise.all([app.get<CustomerSource>(CUSTOMER_SOURCE).readyOnce, app.get(ExporterErasures).readyOnce]).then(() => undefined));
  logger.info({ groupId: config.groupId, customers: [...targets.targets.keys()], refused: [...targets.broken.keys()] }, 'exporter consuming');
  return app;
}
