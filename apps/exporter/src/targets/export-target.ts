import { existsSync, readFileSync } from 'node:fs';
import type { Env } from '@tracking/config';
import { YamlReader, type SiteConfigSource } from '@tracking/customers';
import { EVENT_TYPE_PATTERN } from '@tracking/ingestion';
import { EVENT_COLUMN_NAMES, EXPORT_FORMATS, selectColumns, type EventColumn, type ExportCompression, type ExportFormat } from '../formats';

export const EXPORT_SCHEDULES = ['real-time', 'hourly', 'daily'] as const;
export type ExportSchedule = (typeof EXPORT_SCHEDULES)[number];

export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** Where one bucket is and how to reach it. */
export interface BucketTarget {
  bucket: string;
  region: string;
  /** Unset: AWS's own endpoint for the region. */
  endpoint?: string;
  credentials: S3Credentials;
  /** What GET /export/config may show about the credentials: their references, never their values. */
  credentialSources: Record<string, string>;
}

/** A customer's `s3_export` block (seed 004), checked and with its secrets resolved. */
export interface ExportTarget {
  customerId: string;
  client: BucketTarget;
  /** The platform's copy, for metering. */
  backup?: BucketTarget;
  /** Key prefix without leading or trailing slash; may be empty. */
  prefix: string;
  format: ExportFormat;
  compression: ExportCompression;
  schedule: ExportSchedule;
  /** An object left open this long (wall clock) is closed even if its partition went quiet. */
  maxOpenMs: number;
  /** `split_by_site`: objects go under `site=<id>/` (see object-layout), each holding one site's records. */
  splitBySite: boolean;
  /** `include_event_types`: only records of these types are exported; undefined exports every type. */
  includeEventTypes?: ReadonlySet<string>;
  /** `fields`: the columns written, in the schema's order; every column when not set. */
  columns: readonly EventColumn[];
  /** The customer's sites and its keys' sites: what siteIdFor derives a record's site from. */
  sites: SiteConfigSource;
}

export interface ExportDefaults {
  /** S3_ENDPOINT of the exporter: the local S3 server in development, unset in production. */
  endpoint?: string;
  /** The longest an object stays open under the `real-time` schedule. */
  realTimeMs: number;
}

const SCHEDULE_MS: Record<Exclude<ExportSchedule, 'real-time'>, number> = { hourly: 3_600_000, daily: 86_400_000 };

// S3's bucket naming rules (the common subset every region accepts).
const BUCKET_NAME = /^(?!xn--)(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Reads a secret from a reference: `{ env: NAME }` or `{ file: /path }`. A plain string is refused:
 * configuration files end up in repositories and backups, secrets must not.
 */
function secretReference(reader: YamlReader, value: unknown, path: string, env: Env, sources: Record<string, string>, required: boolean): string | undefined {
  if (value === undefined || value === null) {
    if (required) reader.fail(path, 'is required: a reference such as { env: CLIENT_S3_SECRET_KEY } or { file: /run/secrets/s3_secret }');
    return undefined;
  }
  if (typeof value === 'string') {
    reader.fail(path, 'must be a reference { env: NAME } or { file: PATH }, not the secret itself');
    return undefined;
  }
  const reference = reader.object(value, path);
  const keys = Object.keys(reference);
  if (keys.length !== 1 || (keys[0] !== 'env' && keys[0] !== 'file')) {
    reader.fail(path, 'must have exactly one of env or file');
    return undefined;
  }
  if (keys[0] === 'env') {
    const name = reader.string(reference['env'], `${path}.env`, { required: true, pattern: ENV_NAME });
    if (!name) return undefined;
    const secret = env[name];
    if (!secret) reader.fail(`${path}.env`, `names ${name}, which is not set in the exporter's environment`);
    sources[path] = `env:${name}`;
    return secret || undefined;
  }
  const file = reader.string(reference['file'], `${path}.file`, { required: true });
  if (!file) return undefined;
  if (!existsSync(file)) {
    reader.fail(`${path}.file`, `names ${file}, which does not exist`);
    return undefined;
  }
  sources[path] = `file:${file}`;
  const secret = readFileSync(file, 'utf8').trim();
  if (!secret) reader.fail(`${path}.file`, `names ${file}, which is empty`);
  return secret || undefined;
}

function credentials(reader: YamlReader, value: unknown, path: string, env: Env, sources: Record<string, string>): S3Credentials | undefined {
  if (value === undefined || value === null) {
    reader.fail(path, 'is required: access_key and secret_key as { env: NAME } or { file: PATH } references');
    return undefined;
  }
  const block = reader.object(value, path);
  const accessKeyId = secretReference(reader, block['access_key'], `${path}.access_key`, env, sources, true);
  const secretAccessKey = secretReference(reader, block['secret_key'], `${path}.secret_key`, env, sources, true);
  const sessionToken = secretReference(reader, block['session_token'], `${path}.session_token`, env, sources, false);
  if (!accessKeyId || !secretAccessKey) return undefined;
  return { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
}

function endpoint(reader: YamlReader, value: unknown, path: string): string | undefined {
  const text = reader.string(value, path);
  if (text === undefined) return undefined;
  try {
    const url = new URL(text);
    if (url.protocol === 'http:' || url.protocol === 'https:') return text.replace(/\/+$/, '');
  } catch {
    // reported below
  }
  reader.fail(path, `must be an http(s) URL, got "${text}"`);
  return undefined;
}

/** A list that, when given, must name at least one item, each once. */
function distinctList(reader: YamlReader, value: unknown, path: string): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  const items = reader.strings(value, path);
  if (Array.isArray(value) && value.length === 0) reader.fail(path, 'must name at least one item (leave it out to export everything)');
  items.forEach((item, index) => {
    if (items.indexOf(item) !== index) reader.fail(`${path}[${index}]`, `names "${item}" twice`);
  });
  return items;
}

/**
 * `include_event_types`: event types as the gateway accepts them (any well-formed type, seed 000's
 * or custom), compared exactly as the records carry them.
 */
function includedEventTypes(reader: YamlReader, value: unknown): ReadonlySet<string> | undefined {
  const types = distinctList(reader, value, 's3_export.include_event_types');
  if (types === undefined) return undefined;
  types.forEach((type, index) => {
    if (!EVENT_TYPE_PATTERN.test(type)) reader.fail(`s3_export.include_event_types[${index}]`, `"${type}" is not an event type (${EVENT_TYPE_PATTERN})`);
  });
  return new Set(types);
}

/** `fields`: column names of the tracking-event schema. */
function exportedFields(reader: YamlReader, value: unknown): string[] | undefined {
  const fields = distinctList(reader, value, 's3_export.fields');
  fields?.forEach((field, index) => {
    if (!EVENT_COLUMN_NAMES.includes(field)) reader.fail(`s3_export.fields[${index}]`, `"${field}" is not a column; the columns are ${EVENT_COLUMN_NAMES.join(', ')}`);
  });
  return fields;
}

export class ExportConfigError extends Error {
  override readonly name = 'ExportConfigError';
  constructor(
    readonly customerId: string,
    readonly problems: readonly string[],
  ) {
    super(`customer ${customerId} has an invalid s3_export configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  }
}

/**
 * The customer's export target from the `s3_export` block of its config.yaml; undefined when the
 * customer has none (it is not exported), ExportConfigError naming every bad field otherwise.
 * `sites` is the customer's parsed configuration (its sites and keys), which the export derives
 * every record's site from.
 */
export function parseExportTarget(customerId: string, document: unknown, env: Env, defaults: ExportDefaults, sites: SiteConfigSource): ExportTarget | undefined {
  const reader = new YamlReader(`${customerId}/config.yaml`);
  const root = reader.object(document, '(document)', false);
  if (root['s3_export'] === undefined || root['s3_export'] === null) return undefined;
  const block = reader.object(root['s3_export'], 's3_export');
  if (!reader.boolean(block['enabled'], 's3_export.enabled', true) && reader.problems.length === 0) return undefined;

  const formatText = reader.string(block['format'], 's3_export.format') ?? 'jsonl';
  // Seed 004 calls JSON Lines "json".
  const format = (formatText === 'json' ? 'jsonl' : formatText) as ExportFormat;
  if (!EXPORT_FORMATS.includes(format)) reader.fail('s3_export.format', `must be one of json, ${EXPORT_FORMATS.join(', ')}; got "${formatText}"`);
  const compression = reader.string(block['compression'], 's3_export.compression') ?? 'none';
  if (compression !== 'none' && compression !== 'gzip') reader.fail('s3_export.compression', `must be none or gzip; got "${compression}"`);
  // Parquet and Avro compress inside the file; a gzipped one is a file no reader opens.
  if (compression === 'gzip' && (format === 'parquet' || format === 'avro')) reader.fail('s3_export.compression', `gzip applies to json and csv only; ${format} files are compressed inside`);
  const schedule = (reader.string(block['schedule'], 's3_export.schedule') ?? 'hourly') as ExportSchedule;
  if (!EXPORT_SCHEDULES.includes(schedule)) reader.fail('s3_export.schedule', `must be one of ${EXPORT_SCHEDULES.join(', ')}; got "${schedule}"`);
  const maxOpenSeconds = block['max_open_seconds'] === undefined ? undefined : reader.integer(block['max_open_seconds'], 's3_export.max_open_seconds', 60, 1);

  const prefix = (reader.string(block['prefix'], 's3_export.prefix') ?? '').replace(/^\/+|\/+$/g, '');
  if (prefix.split('/').some((part) => part === '.' || part === '..')) reader.fail('s3_export.prefix', 'must not contain . or .. segments');

  // Seed 004 puts the region inside credentials; a top-level region wins.
  const credentialBlock = reader.object(block['credentials'], 's3_export.credentials', false);
  const region = reader.string(block['region'], 's3_export.region') ?? reader.string(credentialBlock['region'], 's3_export.credentials.region') ?? 'us-east-1';
  const clientEndpoint = endpoint(reader, block['endpoint'], 's3_export.endpoint') ?? defaults.endpoint;

  const bucket = (key: string): string | undefined =>
    reader.string(block[key], `s3_export.${key}`, { required: key === 'client_bucket', pattern: BUCKET_NAME });
  const clientBucket = bucket('client_bucket');
  const backupBucket = bucket('backup_bucket');

  const clientSources: Record<string, string> = {};
  const clientCredentials = credentials(reader, block['credentials'], 's3_export.credentials', env, clientSources);
  const backupSources: Record<string, string> = {};
  const backupCredentials = block['backup_credentials'] === undefined
    ? clientCredentials
    : credentials(reader, block['backup_credentials'], 's3_export.backup_credentials', env, backupSources);
  const backupEndpoint = endpoint(reader, block['backup_endpoint'], 's3_export.backup_endpoint') ?? clientEndpoint;

  const splitBySite = reader.boolean(block['split_by_site'], 's3_export.split_by_site', false);
  const includeEventTypes = includedEventTypes(reader, block['include_event_types']);
  const fields = exportedFields(reader, block['fields']);

  if (reader.problems.length > 0 || !clientBucket || !clientCredentials || !backupCredentials) {
    throw new ExportConfigError(customerId, reader.problems);
  }
  return {
    customerId,
    client: { bucket: clientBucket, region, endpoint: clientEndpoint, credentials: clientCredentials, credentialSources: clientSources },
    backup: backupBucket
      ? {
          bucket: backupBucket,
          region,
          endpoint: backupEndpoint,
          credentials: backupCredentials,
          credentialSources: block['backup_credentials'] === undefined ? clientSources : backupSources,
        }
      : undefined,
    prefix,
    format,
    compression: compression === 'gzip' ? 'gzip' : 'none',
    schedule,
    maxOpenMs: maxOpenSeconds !== undefined ? maxOpenSeconds * 1000 : schedule === 'real-time' ? defaults.realTimeMs : SCHEDULE_MS[schedule],
    splitBySite,
    ...(includeEventTypes ? { includeEventTypes } : {}),
    columns: selectColumns(fields),
    sites,
  };
}
