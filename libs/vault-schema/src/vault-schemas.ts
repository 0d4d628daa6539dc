import { ANALYTICS_VIEWS } from './analytics-views';
import { BOOKKEEPING_TABLES } from './bookkeeping-tables';
import { REJECTION_TABLES } from './rejection-tables';
import type { Relation } from './relation';
import { DIMENSION_TABLES, ROLLUP_TABLES, SKETCH_TABLES } from './rollup-tables';
import { VAULT_TABLES } from './vault-tables';

/** Every schema the vault-loader's migrations create; each of their tables and views is declared in this lib. */
export const VAULT_SCHEMAS = ['raw', 'staging', 'business', 'audit', 'analytics', 'rollup', 'ops', 'privacy', 'vault_security'] as const;

/** With VAULT_VIEWS, every relation in VAULT_SCHEMAS (test/integration/vault-schema holds the migrations to that). */
export const VAULT_BASE_TABLES: readonly Relation[] = [...VAULT_TABLES, ...ROLLUP_TABLES, ...SKETCH_TABLES, ...DIMENSION_TABLES, ...BOOKKEEPING_TABLES, ...REJECTION_TABLES];
export const VAULT_VIEWS: readonly Relation[] = ANALYTICS_VIEWS;
