import {
  EMBEDDED_DATABASE_URL,
  EnvReader,
  type Env,
} from '@tracking/config';

export const KAFKA_SECURITY = ['plaintext', 'sasl_ssl'] as const;
export type KafkaSecurity = (typeof KAFKA_SECURITY)[number];

export interface KafkaStackSettings {
  version: string;
  host: string;
  /** Client port of the first broker; broker n listens on port + n - 1. */
  port: number;
  /** Controller port of the first node; node n listens on controllerPort + n - 1. */
  controllerPort: number;
  /** Heap of each broker. */
  heap: string;
  /** How many combined broker/controller nodes (1 to 5). */
  brokers: number;
  /** What the brokers' client listener speaks. */
  security: KafkaSecurity;
  topicPartitions?: number;
  /** Set: every topic is created with this replication factor instead of its declaration's or the cluster's. */
  topicReplicationFactor?: number;
  /** Set: every topic's min.insync.replicas instead of its declaration's or the cluster's. */
  topicMinInsyncReplicas?: number;
}

export interface StackSettings {
  stackDir?: string;
  kafka: KafkaStackSettings;
  registry: { host: string; port: number; topic: string };
  redis: { port: number };
  s3: { host: string; port: number };
  /** Set: use this Redis and start none. */
  externalRedisUrl?: string;
  /** Set: use this database server and start none. Unset: the embedded PostgreSQL. */
  externalDatabaseUrl?: string;
  embeddedDatabaseUrl: string;
  /** Set: use this S3-compatible endpoint and start none. */
  externalS3Endpoint?: string;
  /** Set: the gateway's TRACKING_HASH_KEY. Unset: one made once and kept in the stack directory. */
  hashKey?: string;
  /** Customer configurations whose `s3_export` buckets `up` creates on the stack's own S3 server. */
  customersDir: string;
}

export function loadStackSettings(env: Env): StackSettings {
  const reader = new EnvReader('local-stack', env);
  const partitions = reader.integer('KAFKA_TOPIC_PARTITIONS', 0, { min: 0, max: 1000 });
  const replicationFactor = reader.integer('TOPIC_REPLICATION_FACTOR', 0, { min: 0, max: 5 });
  const minInsyncReplicas = reader.integer('TOPIC_MIN_INSYNC_REPLICAS', 0, { min: 0, max: 5 });
  const brokers = reader.integer('STACK_KAFKA_BROKERS', 1, { min: 1, max: 5 });
  const port = reader.port('STACK_KAFKA_PORT', 9092);
  // One broker keeps its controller on 9093 as it always has; a cluster's brokers take 9092-9094,
  // so its controllers move out of their way.
  const controllerPort = reader.port('STACK_KAFKA_CONTROLLER_PORT', brokers === 1 ? 9093 : port + 100);
  if (brokers > 1 && controllerPort < port + brokers && port < controllerPort + brokers) {
    reader.problem(`STACK_KAFKA_CONTROLLER_PORT ${controllerPort}: controller ports ${controllerPort}-${controllerPort + brokers - 1} overlap the broker ports ${port}-${port + brokers - 1}`);
  }
  const settings: StackSettings = {
    stackDir: reader.optionalString('STACK_DIR'),
    kafka: {
      version: reader.string('KAFKA_VERSION', '4.3.1'),
      host: '127.0.0.1',
      port,
      controllerPort,
      // Three brokers with 1 GB each would crowd a laptop; 512 MB is plenty for development traffic.
      heap: reader.string('STACK_KAFKA_HEAP', brokers === 1 ? '1g' : '512m'),
      brokers,
      security: reader.oneOf('STACK_KAFKA_SECURITY', KAFKA_SECURITY, 'plaintext'),
      topicPartitions: partitions > 0 ? partitions : undefined,
      topicReplicationFactor: replicationFactor > 0 ? replicationFactor : undefined,
      topicMinInsyncReplicas: minInsyncReplicas > 0 ? minInsyncReplicas : undefined,
    },
    registry: {
      host: '127.0.0.1',
      port: reader.port('SCHEMA_REGISTRY_PORT', 8081),
      topic: reader.string('SCHEMA_REGISTRY_TOPIC', '_schemas'),
    },
    redis: { port: reader.port('STACK_REDIS_PORT', 6379) },
    s3: { host: '127.0.0.1', port: reader.port('STACK_S3_PORT', 4568) },
    externalRedisUrl: reader.optionalUrl('REDIS_URL', ['redis:', 'rediss:']),
    externalDatabaseUrl: reader.optionalUrl('DATABASE_URL', ['postgres:', 'postgresql:']),
    embeddedDatabaseUrl: EMBEDDED_DATABASE_URL,
    externalS3Endpoint: reader.optionalUrl('S3_ENDPOINT', ['http:', 'https:']),
    hashKey: reader.optionalString('TRACKING_HASH_KEY'),
    // The same default as the services', so `npm start` finds the buckets its exporter writes to.
    customersDir: reader.string('CUSTOMERS_DIR', 'example-customers/configurations'),
  };
  reader.done();
  return settings;
}
