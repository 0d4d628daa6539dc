import {
  EMBEDDED_DATABASE_URL,
  EnvReader,
  type Env,
} from '@tracking/config';

export interface StackSettings {
  stackDir?: string;
  kafka: { version: string; host: string; port: number; controllerPort: number; heap: string; topicPartitions?: number };
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
  /** Customer configurations whose `s3_export` buckets `up` creates on the stack's own S3 server. */
  customersDir: string;
}

export function loadStackSettings(env: Env): StackSettings {
  const reader = new EnvReader('local-stack', env);
  const partitions = reader.integer('KAFKA_TOPIC_PARTITIONS', 0, { min: 0, max: 1000 });
  const settings: StackSettings = {
    stackDir: reader.optionalString('STACK_DIR'),
    kafka: {
      version: reader.string('KAFKA_VERSION', '4.3.1'),
      host: '127.0.0.1',
      port: reader.port('STACK_KAFKA_PORT', 9092),
      controllerPort: reader.port('STACK_KAFKA_CONTROLLER_PORT', 9093),
      heap: reader.string('STACK_KAFKA_HEAP', '1g'),
      topicPartitions: partitions > 0 ? partitions : undefined,
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
    // The same default as the services', so `npm start` finds the buckets its exporter writes to.
    customersDir: reader.string('CUSTOMERS_DIR', 'example-customers/configurations'),
  };
  reader.done();
  return settings;
}
