import { col, relation } from './relation';

/** The loader's batches (operations, not vault data): what the dashboard's processing figures are computed from. */
export const LOAD_BATCHES = relation('ops.load_batches', [
  col('batch_id', 'bigint'),
  col('loaded_at', 'timestamptz'),
  col('topic', 'text'),
  col('kafka_partition', 'integer'),
  col('first_offset', 'bigint'),
  col('last_offset', 'bigint'),
  col('records', 'integer'),
  col('rows_inserted', 'integer'),
  col('dead_lettered', 'integer'),
  col('duration_ms', 'double precision'),
]);

/** When each singleton job (the retention purge) last ran: SingletonJob of libs/database keeps it. */
export const JOB_RUNS = relation('ops.job_runs', [col('job', 'text'), col('last_run_at', 'timestamptz'), col('instance', 'text')]);

/** Subjects erased (right to be forgotten), kept so that a replay anonymises them again at load time. */
export const ERASURES = relation('privacy.erasures', [
  col('tenant_hk', 'bytea'),
  col('subject_type', 'text'),
  col('subject_hk', 'bytea'),
  col('request_id', 'uuid'),
  col('requested_at', 'timestamptz'),
  col('rows_anonymised', 'jsonb'),
]);

/** Login roles pinned to one tenant (analysts): row-level security shows them that tenant only. */
export const TENANT_ROLES = relation('vault_security.tenant_roles', [col('role_name', 'name'), col('tenant_hk', 'bytea')]);

/** Tables beside the vault that its migrations create and the loader, the gateway or operators use. */
export const BOOKKEEPING_TABLES = [LOAD_BATCHES, JOB_RUNS, ERASURES, TENANT_ROLES] as const;
