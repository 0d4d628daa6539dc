import { join } from 'node:path';

/**
 * Where the drills' three-broker cluster lives: a stack directory of its own under the repository's
 * .local, on ports clear of the main stack's (9092, 9093, 8081, ...) and the bench's (+10,000).
 * No module aliases here: the global teardown, which Jest loads outside its module mapper, uses it.
 */
export interface ClusterStackLayout {
  stackDir: string;
  /** Client port of broker 1; brokers 2 and 3 take the next two. */
  kafkaPort: number;
  controllerPort: number;
  registryPort: number;
  security: 'plaintext' | 'sasl_ssl';
}

export function clusterStackLayout(root: string, env: NodeJS.ProcessEnv = process.env): ClusterStackLayout {
  const kafkaPort = Number(env['CLUSTER_STACK_KAFKA_PORT'] ?? 29092);
  return {
    stackDir: join(root, '.local', 'cluster-stack'),
    kafkaPort,
    controllerPort: kafkaPort + 100,
    registryPort: Number(env['CLUSTER_STACK_REGISTRY_PORT'] ?? 28081),
    // Secured unless told otherwise: the drills run on the production shape (issue 16, drill 1).
    security: env['CLUSTER_STACK_SECURITY'] === 'plaintext' ? 'plaintext' : 'sasl_ssl',
  };
}

/**
 * The local stack's settings (STACK_* variables) of the cluster stack. PostgreSQL, Redis and S3 are
 * the main stack's, given as external servers, so the cluster stack starts only Kafka and a registry.
 */
export function clusterStackVariables(layout: ClusterStackLayout, external: { databaseUrl: string; redisUrl: string; s3Endpoint: string }): Record<string, string> {
  return {
    STACK_DIR: layout.stackDir,
    STACK_KAFKA_BROKERS: '3',
    STACK_KAFKA_SECURITY: layout.security,
    STACK_KAFKA_PORT: String(layout.kafkaPort),
    STACK_KAFKA_CONTROLLER_PORT: String(layout.controllerPort),
    SCHEMA_REGISTRY_PORT: String(layout.registryPort),
    DATABASE_URL: external.databaseUrl,
    REDIS_URL: external.redisUrl,
    S3_ENDPOINT: external.s3Endpoint,
  };
}
