import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { startKafkaConsumer } from '@tracking/kafka';
import { createApiService } from '@tracking/http';
import type { Logger } from '@tracking/observability';
import { ExporterModule } from './app.module';
import { ExportService } from './export/export.service';
import type { ExporterConfig } from './config/exporter.config';
import { loadExportTargets } from './targets/export-targets';

/** Builds the exporter from its configuration and the customers' s3_export blocks: HTTP for health and export operations, and its Kafka consumer, already consuming. */
export async function createExporter(config: ExporterConfig, logger: Logger): Promise<NestFastifyApplication> {
  const targets = loadExportTargets(config.customersDir, config.env, { endpoint: config.s3Endpoint, realTimeMs: config.realTimeMs });
  const app = await createApiService(ExporterModule.register(config, targets, logger), logger, {
    title: 'Exporter',
    description: "Operators' API of the S3 exporter (seed 004): flush open objects now, status, configuration without secrets. Every route needs Bearer TRACKING_ADMIN_TOKEN.",
    version: '1.0.0',
  });
  await startKafkaConsumer(app, ExportService);
  logger.info({ groupId: config.groupId, customers: [...targets.targets.keys()], refused: [...targets.broken.keys()] }, 'exporter consuming');
  return app;
}
