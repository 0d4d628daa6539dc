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

/**
 * What brokers answer while a group rebalances, a leader is elected or a broker restarts. kafkajs
 * retries or rejoins on each and logs the answer at error level; a deploy or a rolling restart
 * would then fire every alert on errors, so these are warnings. A retry that finally fails still
 * surfaces as an error of the caller.
 */
const EXPECTED_DURING_MEMBERSHIP_CHANGES = [
  'The group is rebalancing',
  'The coordinator is not aware of this member',
  'Specified group generation id is not valid',
  'This is not the correct coordinator for this group',
  "The coordinator is loading and hence can't process requests",
  'The group coordinator is not available',
  'This server is not the leader for that topic-partition',
  'There is no leader for this topic-partition',
  'The leader epoch in the request is',
];

export function kafkajsLogLevel(level: logLevel, message: string, error: unknown): 'error' | 'warn' | 'info' | 'debug' {
  const mapped = LEVELS[level] ?? 'info';
  if (mapped !== 'error') return mapped;
  const text = `${message} ${typeof error === 'string' ? error : ''}`;
  return EXPECTED_DURING_MEMBERSHIP_CHANGES.some((expected) => text.includes(expected)) ? 'warn' : 'error';
}

/** kafkajs logs through the service's JSON logger, under `component: kafkajs`. */
function kafkaLogCreator(logger: Logger): logCreator {
  const child = logger.child({ component: 'kafkajs' });
  return () =>
    ({ level, log }: LogEntry) => {
      const { message, timestamp: _timestamp, logger: _logger, ...fields } = log;
      child[kafkajsLogLevel(level, message, fields['error'])](fields, message);
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
