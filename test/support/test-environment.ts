/** Where the integration tests find the real servers; set by the global setup, read by every test. */
export interface TestEnvironment {
  kafkaBrokers: string[];
  schemaRegistryUrl: string;
  /** A database of its own, created fresh and migrated for each run. */
  databaseUrl: string;
  redisUrl: string;
  /**
   * The stack's S3 server (path-style; it takes any access key, the tests sign with
   * LOCAL_S3_CREDENTIALS of tools/local-stack), or S3_ENDPOINT when the stack was told to use another.
   */
  s3Endpoint: string;
}

// eslint-disable-next-line boundaries/relative-imports-stay-in-project -- jest loads the global setup outside its module mapper, where @tracking/config does not resolve.
export { CONNECTION_SETTING_NAMES } from '../../libs/config/src/connection-setting-names';

export const TEST_ENV_VARIABLES = {
  kafkaBrokers: 'TEST_KAFKA_BROKERS',
  schemaRegistryUrl: 'TEST_SCHEMA_REGISTRY_URL',
  databaseUrl: 'TEST_DATABASE_URL',
  redisUrl: 'TEST_REDIS_URL',
  s3Endpoint: 'TEST_S3_ENDPOINT',
  /**
   * JSON object: how a client authenticates to the stack's Kafka and registry, under the services'
   * own names (CONNECTION_SETTING_NAMES); `{}` for the plaintext stack. Read through test-connection.ts.
   */
  connection: 'TEST_CONNECTION_SETTINGS',
} as const;

export function testEnvironment(): TestEnvironment {
  const read = (name: string): string => {
    const value = process.env[name];
    if (!value) throw new Error(`${name} is not set: integration tests run through jest's global setup (npm test)`);
    return value;
  };
  return {
    kafkaBrokers: read(TEST_ENV_VARIABLES.kafkaBrokers).split(','),
    schemaRegistryUrl: read(TEST_ENV_VARIABLES.schemaRegistryUrl),
    databaseUrl: read(TEST_ENV_VARIABLES.databaseUrl),
    redisUrl: read(TEST_ENV_VARIABLES.redisUrl),
    s3Endpoint: read(TEST_ENV_VARIABLES.s3Endpoint),
  };
}
