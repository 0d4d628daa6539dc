import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type KafkaConfig } from 'kafkajs';
import type { KafkaSettings } from '@tracking/config';
import { kafkaConnection } from '@tracking/kafka';
import { clusterStack, type ClusterStack } from '@test/support/cluster-stack';

/**
 * The secured cluster of the local stack (STACK_KAFKA_SECURITY=sasl_ssl, three brokers): TLS signed
 * by the stack's CA and SCRAM-SHA-512 users made when the storage was formatted. What a client
 * gets with the stack's settings, with a wrong password, and without the CA.
 */
describe('secured three-broker cluster (STACK_KAFKA_SECURITY=sasl_ssl)', () => {
  let cluster: ClusterStack;
  const quiet: Partial<KafkaConfig> = { logLevel: logLevel.NOTHING, retry: { retries: 0 }, connectionTimeout: 5000 };
  const connectFails = async (settings: KafkaSettings): Promise<Error> => {
    const admin = new Kafka({ ...kafkaConnection(settings), ...quiet }).admin();
    try {
      await admin.connect();
      await admin.describeCluster();
    } catch (error) {
      return error as Error;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    throw new Error('the cluster accepted the client');
  };

  beforeAll(async () => {
    cluster = await clusterStack();
  }, 240_000);

  it('hands out TLS and SCRAM-SHA-512 settings, and a client with them produces and consumes', async () => {
    expect(cluster.env).toMatchObject({ KAFKA_SSL: 'true', KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'tracking', KAFKA_SSL_CA_FILE: expect.stringMatching(/ca\.pem$/) });
    expect(cluster.kafka.tls?.ca).toMatch(/BEGIN CERTIFICATE/);

    const topic = `it.secured.${randomUUID()}`;
    const kafka = new Kafka({ ...kafkaConnection(cluster.kafka), logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    const producer = kafka.producer({ idempotent: true });
    const consumer = kafka.consumer({ groupId: `it-secured-${randomUUID()}` });
    try {
      await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
      await producer.connect();
      await producer.send({ topic, acks: -1, messages: [{ key: 'k', value: 'over TLS with SCRAM' }] });
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      const received = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('nothing consumed within 30 s')), 30_000);
        void consumer.run({
          eachMessage: async ({ message }) => {
            clearTimeout(timer);
            resolve(message.value?.toString('utf8') ?? '');
          },
        });
      });
      expect(received).toBe('over TLS with SCRAM');
    } finally {
      await consumer.disconnect();
      await producer.disconnect();
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
    }
  }, 90_000);

  it('refuses a wrong password with an authentication error', async () => {
    const error = await connectFails({ ...cluster.kafka, sasl: { ...cluster.kafka.sasl!, password: 'not-the-password' } });
    expect(error.name).toBe('KafkaJSSASLAuthenticationError');
    expect(error.message).toMatch(/invalid credentials/);
    expect(error.message).not.toContain(cluster.kafka.sasl!.password);
  });

  it('refuses a client that does not trust the stack CA with a TLS error', async () => {
    const error = await connectFails({ ...cluster.kafka, tls: {} });
    expect(error.message).toMatch(/self-signed certificate in certificate chain/);
  });

  it('refuses a plaintext client', async () => {
    const { tls: _tls, ...plaintext } = cluster.kafka;
    const error = await connectFails(plaintext);
    expect(error.name).not.toBe('KafkaJSSASLAuthenticationError');
  });
});
