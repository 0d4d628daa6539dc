import { loadStackSettings } from './stack-settings';

describe(loadStackSettings.name, () => {
  it('keeps the one plaintext broker of before by default: 9092, controller 9093, 1 GB', () => {
    expect(loadStackSettings({}).kafka).toMatchObject({ brokers: 1, security: 'plaintext', port: 9092, controllerPort: 9093, heap: '1g' });
  });

  it('moves a cluster controller out of the way of the brokers 9092-9094, with 512 MB each', () => {
    expect(loadStackSettings({ STACK_KAFKA_BROKERS: '3' }).kafka).toMatchObject({ brokers: 3, port: 9092, controllerPort: 9192, heap: '512m' });
    expect(loadStackSettings({ STACK_KAFKA_BROKERS: '3', STACK_KAFKA_PORT: '29092' }).kafka).toMatchObject({ port: 29092, controllerPort: 29192 });
  });

  it('refuses controller ports among the broker ports, an unknown security and a cluster too large', () => {
    expect(() => loadStackSettings({ STACK_KAFKA_BROKERS: '3', STACK_KAFKA_CONTROLLER_PORT: '9093' })).toThrow(/STACK_KAFKA_CONTROLLER_PORT 9093/);
    expect(() => loadStackSettings({ STACK_KAFKA_SECURITY: 'ssl' })).toThrow(/STACK_KAFKA_SECURITY/);
    expect(() => loadStackSettings({ STACK_KAFKA_BROKERS: '9' })).toThrow(/STACK_KAFKA_BROKERS/);
  });

  it('reads the topic overrides of provisioning, unset by default', () => {
    expect(loadStackSettings({}).kafka).toMatchObject({ topicReplicationFactor: undefined, topicMinInsyncReplicas: undefined });
    expect(loadStackSettings({ TOPIC_REPLICATION_FACTOR: '3', TOPIC_MIN_INSYNC_REPLICAS: '2' }).kafka).toMatchObject({ topicReplicationFactor: 3, topicMinInsyncReplicas: 2 });
  });
});
