import { CONSUMER_GROUPS } from '@tracking/contracts';
import {
  EnvReader,
  readDatabaseUrl,
  readKafkaSettings,
  readLogLevel,
  readRegistrySettings,
  type Env,
  type KafkaSettings,
  type LogLevel,
  type RegistrySettings,
} from '@tracking/config';

export interface VaultLoaderConfig {
  host: string;
  port: number;
  logLevel: LogLevel;
  kafka: KafkaSettings;
  registry: RegistrySettings;
  databaseUrl: string;
  databasePoolSize: number;
  migrateOnStart: boolean;
  groupId: string;
}

export const VAULT_LOADER_CONFIG = Symbol('VAULT_LOADER_CONFIG');

export function loadVaultLoaderConfig(env: Env): VaultLoaderConfig {
  const reader = new EnvReader('vault-loader', env);
  const config: VaultLoaderConfig = {
    host: reader.string('HOST', '127.0.0.1'),
    port: reader.port('VAULT_LOADER_PORT', 3001),
    logLevel: readLogLevel(reader),
    kafka: readKafkaSettings(reader, 'vault-loader'),
    registry: readRegistrySettings(reader),
    databaseUrl: readDatabaseUrl(reader),
    databasePoolSize: reader.integer('DATABASE_POOL_SIZE', 10, { min: 1, max: 200 }),
    migrateOnStart: reader.boolean('DB_MIGRATE_ON_START', true),
    groupId: reader.string('VAULT_LOADER_GROUP_ID', CONSUMER_GROUPS.vaultLoader),
  };
  reader.done();
  return config;
}
