import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createAutomationTrigger } from '@apps/automation-trigger/automation-trigger.factory';
import { loadAutomationTriggerConfig } from '@apps/automation-trigger/config/automation-trigger.config';
import { loadGatewayConfig } from '@apps/gateway/config/gateway.config';
import { createGateway } from '@apps/gateway/gateway.factory';
import { loadVaultLoaderConfig } from '@apps/vault-loader/config/vault-loader.config';
import { createVaultLoader } from '@apps/vault-loader/vault-loader.factory';
import { createLogger } from '@tracking/observability';
import { LOCAL_S3_CREDENTIALS } from '@tools/local-stack/local-s3';
import { testConnectionEnv } from './test-connection';
import type { TestEnvironment } from './test-environment';

export const TEST_HASH_KEY = 'integration-test-hash-key-0123456789abcdef';
export const TEST_ADMIN_TOKEN = 'integration-test-admin-token-0123456789';

/** The settings every test gateway gets, in process or as its own process: the stack, the test keys, quiet logs. */
export function gatewayTestSettings(env: TestEnvironment): Record<string, string> {
  return {
    ...testConnectionEnv(env),
    DATABASE_URL: env.databaseUrl,
    DB_MIGRATE_ON_START: 'false',
    TRACKING_HASH_KEY: TEST_HASH_KEY,
    TRACKING_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    // Off unless a test measures storage: dozens of test gateways would each scan the vault per customer.
    STORAGE_USAGE_INTERVAL_SECONDS: '0',
    LOG_LEVEL: 'error',
  };
}

export interface RunningService {
  app: NestFastifyApplication;
  url: string;
  close(): Promise<void>;
}

async function listen(app: NestFastifyApplication): Promise<RunningService> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, url: await app.getUrl(), close: () => app.close() };
}

/** The real gateway, configured from environment variables exactly as main.ts does, on a free port. */
export async function startGateway(env: TestEnvironment, overrides: Record<string, string> = {}): Promise<RunningService> {
  const config = loadGatewayConfig({ ...gatewayTestSettings(env), CUSTOMERS_WATCH: 'false', ...overrides });
  return listen(await createGateway(config, createLogger('gateway', config.logLevel)));
}

/** The loader's environment in tests, whether it runs in-process or as a child process. */
export function vaultLoaderSettings(env: TestEnvironment, groupId: string, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    ...testConnectionEnv(env),
    DATABASE_URL: env.databaseUrl,
    VAULT_LOADER_GROUP_ID: groupId,
    DB_MIGRATE_ON_START: 'false',
    TRACKING_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    LOG_LEVEL: 'error',
    ...overrides,
  };
}

/** The real vault loader on the test database, in its own consumer group unless one is given. */
export async function startVaultLoader(env: TestEnvironment, groupId: string, overrides: Record<string, string> = {}): Promise<RunningService> {
  const config = loadVaultLoaderConfig(vaultLoaderSettings(env, groupId, overrides));
  return listen(await createVaultLoader(config, createLogger('vault-loader', config.logLevel)));
}

/** CUSTOMERS_DIR when a test reads customers from a directory of its own; none (the shared topic) otherwise. */
const customersFrom = (customersDir: string | undefined): Record<string, string> => (customersDir === undefined ? {} : { CUSTOMERS_DIR: customersDir });

/**
 * The automation trigger's environment in tests, in-process or as a child process. `customersDir`
 * undefined: customers from the shared topic (apply them with applyTestCustomers).
 */
export function automationTriggerSettings(env: TestEnvironment, groupId: string, customersDir: string | undefined, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    ...testConnectionEnv(env),
    DATABASE_URL: env.databaseUrl,
    AUTOMATION_TRIGGER_GROUP_ID: groupId,
    ...customersFrom(customersDir),
    DB_MIGRATE_ON_START: 'false',
    TRACKING_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    WEBHOOK_POLL_MS: '100',
    LOG_LEVEL: 'error',
    ...overrides,
  };
}

export async function startAutomationTrigger(
  env: TestEnvironment,
  groupId: string,
  customersDir: string | undefined,
  overrides: Record<string, string> = {},
): Promise<RunningService> {
  const config = loadAutomationTriggerConfig(automationTriggerSettings(env, groupId, customersDir, overrides));
  return listen(await createAutomationTrigger(config, createLogger('automation-trigger', config.logLevel)));
}

/**
 * What an exporter exporting to the stack's S3 server needs besides its environment: the
 * credentials under the names a test customer's s3_export block refers to
 * (`{ env: 'IT_S3_ACCESS_KEY' }`, `{ env: 'IT_S3_SECRET_KEY' }`), retries in fractions of a second
 * rather than minutes, and a session a SIGKILLed member loses after 6 s rather than 30.
 */
export const EXPORTER_ON_STACK_S3: Readonly<Record<string, string>> = {
  EXPORTER_SESSION_TIMEOUT_MS: '6000',
  EXPORTER_RETRY_BASE_MS: '200',
  EXPORTER_RETRY_MAX_MS: '1000',
  IT_S3_ACCESS_KEY: LOCAL_S3_CREDENTIALS.accessKeyId,
  IT_S3_SECRET_KEY: LOCAL_S3_CREDENTIALS.secretAccessKey,
};

/** The exporter's environment in tests (it always runs as a child process); `customersDir` as for the automation trigger. */
export function exporterSettings(env: TestEnvironment, groupId: string, customersDir: string | undefined, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    ...testConnectionEnv(env),
    ...customersFrom(customersDir),
    S3_ENDPOINT: env.s3Endpoint,
    EXPORTER_GROUP_ID: groupId,
    TRACKING_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    LOG_LEVEL: 'error',
    ...overrides,
  };
}
