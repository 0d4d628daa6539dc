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
  /** Set: use this Redis and start none. */
  externalRedisUrl?: string;
  /** Set: use this database server and start none. Unset: the embedded PostgreSQL. */
  externalDatabaseUrl?: string;
  embeddedDatabaseUrl: string;
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
    externalRedisUrl: reader.optionalUrl('REDIS_URL', ['redis:', 'rediss:']),
    externalDatabaseUrl: reader.optionalUrl('DATABASE_URL', ['postgres:', 'postgresql:']),
    embeddedDatabaseUrl: EMBEDDED_DATABASE_URL,
  };
  reader.done();
  return settings;
}
