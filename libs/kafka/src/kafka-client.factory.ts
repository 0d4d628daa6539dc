import { Kafka, logLevel, type LogEntry, type logCreator } from 'kafkajs';
import type { Logger } from 'pino';
import type { KafkaSettings } from '@tracking/config';
import { kafkaConnection } from './kafka-connection';
import { prepareKafkajs } from './prepare-kafkajs';

const LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/** kafkajs logs through the service's JSON logger, under `component: kafkajs`. */
function kafkaLogCreator(logger: Logger): logCreator {
  const child = logger.child({ component: 'kafkajs' });
  return () =>
    ({ level, log }: LogEntry) => {
      const { message, timestamp: _timestamp, logger: _logger, ...fields } = log;
      child[LEVELS[level] ?? 'info'](fields, message);
    };
}

export function createKafkaClient(settings: KafkaSettings, logger: Logger): Kafka {
  prepareKafkajs();
  return new Kafka({
    ...kafkaConnection(settings),
    logLevel: logLevel.WARN,
    logCreator: kafkaLogCreator(logger),
    connectionTimeout: 3000,
    retry: { initialRetryTime: 100, retries: 8 },
  });
}
