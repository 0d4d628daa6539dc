import { CONSUMER_GROUPS } from '@tracking/contracts';
import { EnvReader, readDatabaseUrl, readServiceSettings, type Env, type ServiceSettings } from '@tracking/config';

export interface VaultLoaderConfig extends ServiceSettings {
  databaseUrl: string;
  databasePoolSize: number;
  migrateOnStart: boolean;
  groupId: string;
}

export const VAULT_LOADER_CONFIG = Symbol('VAULT_LOADER_CONFIG');

export function loadVaultLoaderConfig(env: Env): VaultLoaderConfig {
  const reader = new EnvReader('vault-loader', env);
  const config: VaultLoaderConfig = {
    ...readServiceSettings(reader, 'vault-loader', { portVariable: 'VAULT_LOADER_PORT', port: 3001, host: '127.0.0.1' }),
    databaseUrl: readDatabaseUrl(reader),
    databasePoolSize: reader.integer('DATABASE_POOL_SIZE', 10, { min: 1, max: 200 }),
    migrateOnStart: reader.boolean('DB_MIGRATE_ON_START', true),
    groupId: reader.string('VAULT_LOADER_GROUP_ID', CONSUMER_GROUPS.vaultLoader),
  };
  reader.done();
  return config;
}
