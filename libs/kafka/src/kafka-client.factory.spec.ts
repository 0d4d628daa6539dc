import { logLevel } from 'kafkajs';
import { kafkajsLogLevel } from './kafka-client.factory';

describe(kafkajsLogLevel.name, () => {
  it('logs what brokers answer during rebalances and leader elections as warnings', () => {
    expect(kafkajsLogLevel(logLevel.ERROR, 'Response Heartbeat(key: 12, version: 3)', 'The group is rebalancing, so a rejoin is needed')).toBe('warn');
    expect(kafkajsLogLevel(logLevel.ERROR, 'The coordinator is not aware of this member, re-joining the group', undefined)).toBe('warn');
    expect(kafkajsLogLevel(logLevel.ERROR, 'Response Produce(key: 0, version: 7)', 'This server is not the leader for that topic-partition')).toBe('warn');
  });

  it('keeps every other error an error, and other levels as they are', () => {
    expect(kafkajsLogLevel(logLevel.ERROR, 'Response SaslAuthenticate(key: 36, version: 1)', 'Authentication failed')).toBe('error');
    expect(kafkajsLogLevel(logLevel.ERROR, 'Crash: KafkaJSNumberOfRetriesExceeded', undefined)).toBe('error');
    expect(kafkajsLogLevel(logLevel.INFO, 'Consumer has joined the group', undefined)).toBe('info');
  });
});
