import { createKafkaClient } from '@tracking/kafka';
import { createLogger } from '@tracking/observability';
import { createRegistryHttpServer } from './http-server';
import { loadRegistryConfig } from './registry.config';
import { RegistryService } from './registry.service';
import { KafkaSchemaLog } from './schema-log';

async function main(): Promise<void> {
  const config = loadRegistryConfig(process.env);
  const logger = createLogger('schema-registry', config.logLevel);
  const log = new KafkaSchemaLog(createKafkaClient(config.kafka, logger), config.topic, logger);
  const registry = new RegistryService(log);
  await registry.start();
  const server = createRegistryHttpServer(registry, logger, config.auth);
  await server.listen({ host: config.host, port: config.port });
  logger.info({ url: `http://${config.host}:${config.port}`, topic: config.topic, basicAuth: config.auth !== undefined }, 'schema registry listening');

  const shutdown = async (signal: string): Promise<void> => {
    logger.info({ signal }, 'schema registry stopping');
    await server.close();
    await log.stop();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  console.error(JSON.stringify({ level: 'fatal', service: 'schema-registry', message: (error as Error).message, stack: (error as Error).stack }));
  process.exit(1);
});
