import { Client } from 'pg';
import { migrateAll, stackUp } from './stack-commands';
import { CONNECTION_SETTING_NAMES, TEST_ENV_VARIABLES } from './test-environment';

// Overridable so two runs on one machine (e.g. a drill beside the suite) do not drop each other's database.
const TEST_DATABASE = process.env['TEST_DATABASE_NAME'] ?? 'tracking_test';

/** A fresh database for this run, so no test sees rows of an earlier run or of `npm start`. */
async function recreateDatabase(serverUrl: string): Promise<string> {
  const admin = new URL(serverUrl);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    await client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [TEST_DATABASE]);
    await client.query(`DROP DATABASE IF EXISTS ${TEST_DATABASE}`);
    await client.query(`CREATE DATABASE ${TEST_DATABASE}`);
  } finally {
    await client.end();
  }
  const test = new URL(serverUrl);
  test.pathname = `/${TEST_DATABASE}`;
  return test.toString();
}

/** Starts what is not running yet (Kafka, registry, PostgreSQL, Redis, S3), provisions topics and schemas, migrates a fresh test database. */
export default async function globalSetup(): Promise<void> {
  process.stderr.write('\n');
  const stack = await stackUp();
  (globalThis as { __stackStarted?: string[] }).__stackStarted = stack.started;

  const databaseUrl = await recreateDatabase(stack.databaseUrl);
  await migrateAll(databaseUrl);

  process.env[TEST_ENV_VARIABLES.kafkaBrokers] = stack.kafkaBrokers.join(',');
  process.env[TEST_ENV_VARIABLES.schemaRegistryUrl] = stack.schemaRegistryUrl;
  process.env[TEST_ENV_VARIABLES.databaseUrl] = databaseUrl;
  process.env[TEST_ENV_VARIABLES.redisUrl] = stack.redisUrl;
  process.env[TEST_ENV_VARIABLES.s3Endpoint] = stack.s3Endpoint;
  // A secured stack says how to authenticate; otherwise whatever the run was given (a cluster elsewhere).
  const connection: Record<string, string> = {};
  for (const name of CONNECTION_SETTING_NAMES) {
    const value = stack.clientEnv?.[name] ?? process.env[name];
    if (value !== undefined && value !== '') connection[name] = value;
  }
  process.env[TEST_ENV_VARIABLES.connection] = JSON.stringify(connection);
}
