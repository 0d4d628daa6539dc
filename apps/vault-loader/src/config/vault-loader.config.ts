import { isAbsolute, resolve } from 'node:path';
import { CONSUMER_GROUPS } from '@tracking/contracts';
import { EnvReader, readAdminTokenSha256, readDatabaseUrl, readExporterAdmin, readReplayBounds, readServiceSettings, readSessionTimeoutMs, readConsumerFetchSettings, type ConsumerFetchSettings, type Env, type ReplayBounds, type ServiceSettings } from '@tracking/config';

export interface VaultLoaderConfig extends ServiceSettings {
  databaseUrl: string;
  databasePoolSize: number;
  migrateOnStart: boolean;
  groupId: string;
  /** How long the group waits for a member that stopped heartbeating (e.g. a killed process) before rebalancing. */
  sessionTimeoutMs: number;
  /** The most one fetch from Kafka brings (KAFKA_FETCH_MAX_KB, KAFKA_FETCH_PARTITION_MAX_KB). */
  fetch: ConsumerFetchSettings;
  /**
   * Partitions handled at the same time: their batches are mapped at once and share the loader's
   * transactions (the vault's rows do not depend on the order partitions are loaded in, see
   * vault-statements.ts).
   */
  partitionsConcurrently: number;
  /**
   * Load transactions in flight at once. Batches that arrive while they run wait and go together in
   * the next (group commit): one round of a fetch's partitions costs a transaction or two, not one each.
   */
  transactions: number;
  /** The most records one load transaction takes from the batches waiting (a batch alone may be larger). */
  transactionMaxRecords: number;
  /** CUSTOMERS_DIR, the development fallback: each customer's data_retention_days from this directory instead of the shared topic. */
  customersDir?: string;
  /** Retention of customers without a configuration. */
  defaultRetentionDays: number;
  /** How often the retention job purges expired rows; 0 switches it off. */
  retentionIntervalMs: number;
  /**
   * Heap blocks of one table a purge transaction reads (default 256, 2 MB): what a loader batch
   * waiting on a row the purge deletes waits for at most.
   */
  retentionChunkBlocks: number;
  /** SHA-256 of the token that guards the erasure API (TRACKING_ADMIN_TOKEN, as on the gateway). */
  adminTokenSha256?: Buffer;
  /**
   * The exporter's admin API (EXPORTER_URL, called with TRACKING_ADMIN_TOKEN), which a privacy
   * access request asks for the subject's exported records; unset without both, and the access
   * answer then says the exported part is missing.
   */
  exporterAdmin?: { url: string; token: string };
  /** Set by `tracking replay --to/--customer` for a bounded run under a temporary group, which then exits. */
  replay?: ReplayBounds;
}

export const VAULT_LOADER_CONFIG = Symbol('VAULT_LOADER_CONFIG');

export function loadVaultLoaderConfig(env: Env, cwd = process.cwd()): VaultLoaderConfig {
  const reader = new EnvReader('vault-loader', env);
  const customersDir = reader.optionalString('CUSTOMERS_DIR');
  const config: VaultLoaderConfig = {
    ...readServiceSettings(reader, 'vault-loader', { portVariable: 'VAULT_LOADER_PORT', port: 3001, host: '127.0.0.1' }),
    databaseUrl: readDatabaseUrl(reader),
    databasePoolSize: reader.integer('DATABASE_POOL_SIZE', 10, { min: 1, max: 200 }),
    migrateOnStart: reader.boolean('DB_MIGRATE_ON_START', true),
    groupId: reader.string('VAULT_LOADER_GROUP_ID', CONSUMER_GROUPS.vaultLoader),
    sessionTimeoutMs: readSessionTimeoutMs(reader, 'VAULT_LOADER_SESSION_TIMEOUT_MS'),
    fetch: readConsumerFetchSettings(reader),
    partitionsConcurrently: reader.integer('VAULT_LOADER_PARTITIONS_CONCURRENTLY', 12, { min: 1, max: 64 }),
    transactions: reader.integer('VAULT_LOADER_TRANSACTIONS', 3, { min: 1, max: 64 }),
    transactionMaxRecords: reader.integer('VAULT_LOADER_TRANSACTION_MAX_RECORDS', 2000, { min: 1 }),
    customersDir: customersDir === undefined ? undefined : isAbsolute(customersDir) ? customersDir : resolve(cwd, customersDir),
    defaultRetentionDays: reader.integer('VAULT_DEFAULT_RETENTION_DAYS', 365, { min: 1 }),
    retentionIntervalMs: reader.integer('VAULT_RETENTION_INTERVAL_MINUTES', 60, { min: 0 }) * 60_000,
    retentionChunkBlocks: reader.integer('VAULT_RETENTION_CHUNK_BLOCKS', 256, { min: 1 }),
    adminTokenSha256: readAdminTokenSha256(reader),
    exporterAdmin: readExporterAdmin(reader),
    replay: readReplayBounds(reader),
  };
  reader.done();
  if (config.transactions >= config.databasePoolSize) {
    throw new Error(`vault-loader: VAULT_LOADER_TRANSACTIONS (${config.transactions}) needs as many database connections and one more for the lookups beside them; DATABASE_POOL_SIZE is ${config.databasePoolSize}`);
  }
  return config;
}
