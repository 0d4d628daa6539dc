import { isAbsolute, resolve } from 'node:path';
import { CONSUMER_GROUPS } from '@tracking/contracts';
import { EnvReader, readAdminTokenSha256, readDatabaseUrl, readReplayBounds, readServiceSettings, readSessionTimeoutMs, readConsumerFetchSettings, type ConsumerFetchSettings, type Env, type ReplayBounds, type ServiceSettings } from '@tracking/config';
import { parseRetrySchedule } from '../delivery/retry-schedule';

export interface AutomationTriggerConfig extends ServiceSettings {
  databaseUrl: string;
  databasePoolSize: number;
  migrateOnStart: boolean;
  groupId: string;
  /** How long the group waits for a member that stopped heartbeating (e.g. a killed process) before rebalancing. */
  sessionTimeoutMs: number;
  /** The most one fetch from Kafka brings (KAFKA_FETCH_MAX_KB, KAFKA_FETCH_PARTITION_MAX_KB). */
  fetch: ConsumerFetchSettings;
  /** SHA-256 of TRACKING_ADMIN_TOKEN, which guards the admin API; unset disables it. */
  adminTokenSha256?: Buffer;
  /** CUSTOMERS_DIR, the development fallback: customers (and their automations.yaml) from this directory instead of the shared topic. */
  customersDir?: string;
  /** With CUSTOMERS_DIR: how often the directory is read again. */
  reloadMs: number;
  /** Seed 002's `tracking.automation.enabled` for everyone; a customer's features.yaml can switch it off for itself. */
  automationEnabled: boolean;
  /** Variables the workflows' `secret_env` may name. */
  env: Env;
  /** Set by `tracking replay --to/--customer` for a bounded run under a temporary group, which then exits. */
  replay?: ReplayBounds;
  delivery: {
    /** Delays before the 2nd, 3rd, ... attempt; after the last one the trigger is dead-lettered. */
    retrySchedule: number[];
    timeoutMs: number;
    /** Deliveries in flight to one endpoint at once, and in all. */
    perEndpointConcurrency: number;
    concurrency: number;
    pollMs: number;
  };
}

export const AUTOMATION_TRIGGER_CONFIG = Symbol('AUTOMATION_TRIGGER_CONFIG');

/** Svix's schedule: immediately, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h later (about 27.5 hours in all). */
const DEFAULT_RETRY_SCHEDULE = '5s,5m,30m,2h,5h,10h,10h';

export function loadAutomationTriggerConfig(env: Env, cwd = process.cwd()): AutomationTriggerConfig {
  const reader = new EnvReader('automation-trigger', env);
  const customersDir = reader.optionalString('CUSTOMERS_DIR');
  const scheduleText = reader.string('WEBHOOK_RETRY_SCHEDULE', DEFAULT_RETRY_SCHEDULE);
  const retrySchedule = parseRetrySchedule(scheduleText);
  if (!retrySchedule) reader.problem(`WEBHOOK_RETRY_SCHEDULE must be a comma-separated list of durations such as 5s,5m,2h (got "${scheduleText}")`);
  const config: AutomationTriggerConfig = {
    ...readServiceSettings(reader, 'automation-trigger', { portVariable: 'AUTOMATION_TRIGGER_PORT', port: 3002, host: '127.0.0.1' }),
    databaseUrl: readDatabaseUrl(reader),
    databasePoolSize: reader.integer('DATABASE_POOL_SIZE', 10, { min: 2, max: 200 }),
    migrateOnStart: reader.boolean('DB_MIGRATE_ON_START', true),
    groupId: reader.string('AUTOMATION_TRIGGER_GROUP_ID', CONSUMER_GROUPS.automationTrigger),
    sessionTimeoutMs: readSessionTimeoutMs(reader, 'AUTOMATION_TRIGGER_SESSION_TIMEOUT_MS'),
    fetch: readConsumerFetchSettings(reader),
    adminTokenSha256: readAdminTokenSha256(reader),
    customersDir: customersDir === undefined ? undefined : isAbsolute(customersDir) ? customersDir : resolve(cwd, customersDir),
    reloadMs: reader.integer('AUTOMATIONS_RELOAD_SECONDS', 10, { min: 1, max: 3600 }) * 1000,
    automationEnabled: reader.boolean('TRACKING_AUTOMATION_ENABLED', true),
    env,
    replay: readReplayBounds(reader),
    delivery: {
      retrySchedule: retrySchedule ?? [],
      timeoutMs: reader.integer('WEBHOOK_TIMEOUT_MS', 10_000, { min: 100, max: 120_000 }),
      perEndpointConcurrency: reader.integer('WEBHOOK_ENDPOINT_CONCURRENCY', 4, { min: 1, max: 100 }),
      concurrency: reader.integer('WEBHOOK_CONCURRENCY', 50, { min: 1, max: 1000 }),
      pollMs: reader.integer('WEBHOOK_POLL_MS', 500, { min: 10, max: 60_000 }),
    },
  };
  reader.done();
  return config;
}
