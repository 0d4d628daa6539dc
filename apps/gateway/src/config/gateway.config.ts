import { isAbsolute, resolve } from 'node:path';
import { EnvReader, readAdminTokenSha256, readDatabaseUrl, readExporterAdmin, readServiceAdmin, readServiceSettings, type ServiceAdmin, type Env, type ServiceSettings } from '@tracking/config';
import { CONSUMER_GROUPS, type ConsumingService } from '@tracking/contracts';
import type { IngestionLimits } from '@tracking/ingestion';
import type { Compression } from '@tracking/kafka';

export interface RateLimitSettings {
  /** Requests per minute from one client address to the ingestion routes (seed 002). */
  perIpPerMinute: number;
  /** Requests per minute authenticated by one API token or publishable key. */
  perKeyPerMinute: number;
  /** Seed 000's table: GET /health/{customer_id}. */
  healthPerMinute: number;
  /** Seed 000's table: GET /api/v1/customer/{customer_id}/tracking-config. */
  configPerMinute: number;
  /** Shared counters for several gateway processes; in-process counters when unset. `rediss://` is Redis over TLS. */
  redisUrl?: string;
  /** PEM of the CA that signed a `rediss://` server's certificate, when not a public one (REDIS_TLS_CA_FILE). */
  redisTlsCa?: string;
}

export interface GatewayConfig extends ServiceSettings {
  /** CUSTOMERS_DIR, the development fallback: customers from this directory instead of the shared topic. */
  customersDir?: string;
  /** With CUSTOMERS_DIR: read the directory again every second (CUSTOMERS_WATCH). */
  watchCustomers: boolean;
  /** Requests whose body is larger get 413 (seed 002: 64 KB). */
  maxBodyBytes: number;
  maxBulkBodyBytes: number;
  maxBulkEvents: number;
  limits: IngestionLimits;
  /** Key of the HMACs used when a customer asks for IP or PII hashing. */
  hashKey: Buffer;
  producer: ProducerSettings;
  rateLimits: RateLimitSettings;
  /**
   * Abuse records (issue 23, see AbuseLedger): the interval of the per-customer, per-kind summaries
   * and how many abuse refusals per customer and kind keep an audit record of their own in each.
   */
  abuse: { intervalMs: number; recordsPerInterval: number };
  /** Global switches (seed 002); a customer's features.yaml can only turn them further off. */
  flags: { ingestEnabled: boolean; automationEnabled: boolean };
  /** SHA-256 of the admin token that guards /api/v1/tracking/keys; the keys API is off without one. */
  adminTokenSha256?: Buffer;
  /** Where tracking keys live; the gateway reads them through a cache. */
  databaseUrl: string;
  databasePoolSize: number;
  migrateOnStart: boolean;
  keyCacheRefreshMs: number;
  /** Trust X-Forwarded-For from a reverse proxy in front of the gateway. */
  trustProxy: boolean;
  /**
   * TRACKING_COUNTRY_HEADER, lower case: the request header in which a trusted edge in front of the
   * gateway states the client's country (Cloudflare's `CF-IPCountry`, CloudFront's
   * `CloudFront-Viewer-Country`). There is no GeoIP database here, so without it a customer with
   * `privacy.geographic_restrictions` is refused at load rather than accepted and not enforced.
   */
  countryHeader?: string;
  /** STORAGE_USAGE_INTERVAL_SECONDS: how often every customer's vault and export storage is measured against its quota; 0 turns it off. */
  storageUsageIntervalMs: number;
  /**
   * The exporter's admin API (EXPORTER_URL, called with TRACKING_ADMIN_TOKEN), which POST
   * /api/v1/track/process asks to close the tenant's open objects; unset without both.
   */
  exporterAdmin?: ServiceAdmin;
  /**
   * The other services' admin APIs (AUTOMATION_TRIGGER_URL, VAULT_LOADER_URL, with
   * TRACKING_ADMIN_TOKEN), behind the console's tenant-scoped self-service routes: workflows and
   * deliveries live in the automation trigger, erasures in the vault loader.
   */
  automationTriggerAdmin?: ServiceAdmin;
  vaultLoaderAdmin?: ServiceAdmin;
  /** The web console (issue 21): its built files and its sessions. */
  console: ConsoleSettings;
  /** The consuming services' groups, whose committed offsets the status API and the manual trigger read (the variables each service reads). */
  consumerGroups: Record<ConsumingService, string>;
}

export interface ConsoleSettings {
  /** CONSOLE_DIR: the built console (apps/console/dist, `npm run build`), served at /console/. */
  dir: string;
  /** CONSOLE_SESSION_IDLE_MINUTES: a session unused this long is over (default 8 h). */
  sessionIdleMs: number;
  /** CONSOLE_SESSION_MAX_HOURS: a session ends this long after sign-in however busy (default 24 h). */
  sessionMaxMs: number;
  /** CONSOLE_SIGN_IN_RATE_LIMIT_PER_MINUTE: sign-in attempts per client address and minute. */
  signInPerMinute: number;
  /** Live events (GET /console/api/events/stream): how many streams one customer and one instance may hold open. */
  live: LiveStreamSettings;
}

export interface LiveStreamSettings {
  /** CONSOLE_LIVE_STREAMS_PER_CUSTOMER (default 5). */
  perCustomer: number;
  /** CONSOLE_LIVE_STREAMS_PER_INSTANCE (default 200). */
  perInstance: number;
  /** CONSOLE_LIVE_HEARTBEAT_SECONDS: a comment line this often keeps proxies from closing a quiet stream (default 15). */
  heartbeatMs: number;
}

export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');

/** Reads and checks every gateway setting once; the one error lists all bad settings. */
export function loadGatewayConfig(env: Env, cwd = process.cwd()): GatewayConfig {
  const reader = new EnvReader('gateway', env);
  const customersDir = reader.optionalString('CUSTOMERS_DIR');
  const hashKey = readHashKey(reader);
  const maxBodyBytes = reader.integer('TRACKING_MAX_BODY_BYTES', 64 * 1024, { min: 1024, max: 16 * 1024 * 1024 });
  const maxBulkBodyBytes = reader.integer('TRACKING_MAX_BULK_BODY_BYTES', 1024 * 1024, { min: 1024, max: 64 * 1024 * 1024 });
  if (maxBulkBodyBytes < maxBodyBytes) reader.problem('TRACKING_MAX_BULK_BODY_BYTES must not be smaller than TRACKING_MAX_BODY_BYTES');

  const config: GatewayConfig = {
    ...readServiceSettings(reader, 'gateway', { portVariable: 'PORT', port: 3000, host: '0.0.0.0' }),
    customersDir: customersDir === undefined ? undefined : isAbsolute(customersDir) ? customersDir : resolve(cwd, customersDir),
    watchCustomers: reader.boolean('CUSTOMERS_WATCH', true),
    maxBodyBytes,
    maxBulkBodyBytes,
    maxBulkEvents: reader.integer('TRACKING_MAX_BULK_EVENTS', 500, { min: 1, max: 10_000 }),
    limits: {
      maxPropertiesBytes: reader.integer('TRACKING_MAX_PROPERTIES_BYTES', 16 * 1024, { min: 256, max: 1024 * 1024 }),
      maxEventAgeMs: reader.integer('TRACKING_MAX_EVENT_AGE_HOURS', 7 * 24, { min: 1 }) * 3_600_000,
      maxClockSkewMs: reader.integer('TRACKING_MAX_CLOCK_SKEW_SECONDS', 300, { min: 0 }) * 1000,
      maxDepth: reader.integer('TRACKING_MAX_JSON_DEPTH', 10, { min: 1, max: 64 }),
    },
    hashKey,
    producer: readProducerSettings(reader),
    rateLimits: {
      perIpPerMinute: reader.integer('TRACKING_INGEST_RATE_LIMIT_PER_MINUTE', 300, { min: 1 }),
      perKeyPerMinute: reader.integer('TRACKING_KEY_RATE_LIMIT_PER_MINUTE', 6000, { min: 1 }),
      healthPerMinute: reader.integer('HEALTH_RATE_LIMIT_PER_MINUTE', 10, { min: 1 }),
      configPerMinute: reader.integer('CONFIG_RATE_LIMIT_PER_MINUTE', 100, { min: 1 }),
      redisUrl: reader.optionalUrl('REDIS_URL', ['redis:', 'rediss:']),
      redisTlsCa: readRedisTlsCa(reader),
    },
    abuse: {
      intervalMs: reader.integer('TRACKING_ABUSE_SUMMARY_SECONDS', 60, { min: 1, max: 3600 }) * 1000,
      recordsPerInterval: reader.integer('TRACKING_ABUSE_RECORDS_PER_INTERVAL', 10, { min: 0, max: 100_000 }),
    },
    flags: {
      ingestEnabled: reader.boolean('TRACKING_INGEST_ENABLED', true),
      automationEnabled: reader.boolean('TRACKING_AUTOMATION_ENABLED', true),
    },
    adminTokenSha256: readAdminTokenSha256(reader),
    databaseUrl: readDatabaseUrl(reader),
    databasePoolSize: reader.integer('DATABASE_POOL_SIZE', 5, { min: 1, max: 100 }),
    migrateOnStart: reader.boolean('DB_MIGRATE_ON_START', true),
    keyCacheRefreshMs: reader.integer('TRACKING_KEY_CACHE_REFRESH_SECONDS', 10, { min: 1, max: 3600 }) * 1000,
    trustProxy: reader.boolean('TRUST_PROXY', false),
    countryHeader: readCountryHeader(reader),
    storageUsageIntervalMs: reader.integer('STORAGE_USAGE_INTERVAL_SECONDS', 300, { min: 0, max: 86_400 }) * 1000,
    exporterAdmin: readExporterAdmin(reader),
    automationTriggerAdmin: readServiceAdmin(reader, 'AUTOMATION_TRIGGER_URL'),
    vaultLoaderAdmin: readServiceAdmin(reader, 'VAULT_LOADER_URL'),
    console: readConsoleSettings(reader, cwd),
    consumerGroups: {
      vaultLoader: reader.string('VAULT_LOADER_GROUP_ID', CONSUMER_GROUPS.vaultLoader),
      automationTrigger: reader.string('AUTOMATION_TRIGGER_GROUP_ID', CONSUMER_GROUPS.automationTrigger),
      exporter: reader.string('EXPORTER_GROUP_ID', CONSUMER_GROUPS.exporter),
    },
  };
  reader.done();
  return config;
}

export interface ProducerSettings {
  compression: Compression;
  ackTimeoutMs: number;
  lingerMs: number;
  maxBatchRecords: number;
  /**
   * Records, and bytes of them, waiting for Kafka or in flight beyond which requests get 503 at once.
   * Each waiting record holds its request (body, parsed event, encoded record, the open socket), so
   * these bound the gateway's memory while Kafka is slower than the requests arrive.
   */
  maxQueuedRecords: number;
  maxQueuedBytes: number;
}

function readProducerSettings(reader: EnvReader): ProducerSettings {
  const maxBatchRecords = reader.integer('KAFKA_MAX_BATCH_RECORDS', 2000, { min: 1, max: 100_000 });
  const maxQueuedRecords = reader.integer('KAFKA_MAX_QUEUED_RECORDS', 10_000, { min: 1, max: 1_000_000 });
  if (maxQueuedRecords < maxBatchRecords) reader.problem(`KAFKA_MAX_QUEUED_RECORDS (${maxQueuedRecords}) must be at least KAFKA_MAX_BATCH_RECORDS (${maxBatchRecords})`);
  return {
    compression: reader.oneOf('KAFKA_COMPRESSION', ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const, 'none'),
    ackTimeoutMs: reader.integer('KAFKA_ACK_TIMEOUT_MS', 10_000, { min: 100, max: 120_000 }),
    lingerMs: reader.integer('KAFKA_LINGER_MS', 2, { min: 0, max: 1000 }),
    maxBatchRecords,
    maxQueuedRecords,
    maxQueuedBytes: reader.integer('KAFKA_MAX_QUEUED_MB', 32, { min: 1, max: 4096 }) * 1024 * 1024,
  };
}

function readConsoleSettings(reader: EnvReader, cwd: string): ConsoleSettings {
  const dir = reader.optionalString('CONSOLE_DIR') ?? 'apps/console/dist';
  const sessionIdleMs = reader.integer('CONSOLE_SESSION_IDLE_MINUTES', 8 * 60, { min: 1, max: 7 * 24 * 60 }) * 60_000;
  const sessionMaxMs = reader.integer('CONSOLE_SESSION_MAX_HOURS', 24, { min: 1, max: 30 * 24 }) * 3_600_000;
  if (sessionMaxMs < sessionIdleMs) reader.problem('CONSOLE_SESSION_MAX_HOURS must not be shorter than CONSOLE_SESSION_IDLE_MINUTES');
  return {
    dir: isAbsolute(dir) ? dir : resolve(cwd, dir),
    sessionIdleMs,
    sessionMaxMs,
    signInPerMinute: reader.integer('CONSOLE_SIGN_IN_RATE_LIMIT_PER_MINUTE', 10, { min: 1 }),
    live: {
      perCustomer: reader.integer('CONSOLE_LIVE_STREAMS_PER_CUSTOMER', 5, { min: 1, max: 1000 }),
      perInstance: reader.integer('CONSOLE_LIVE_STREAMS_PER_INSTANCE', 200, { min: 1, max: 100_000 }),
      heartbeatMs: reader.integer('CONSOLE_LIVE_HEARTBEAT_SECONDS', 15, { min: 1, max: 300 }) * 1000,
    },
  };
}

function readRedisTlsCa(reader: EnvReader): string | undefined {
  const ca = reader.optionalFile('REDIS_TLS_CA_FILE');
  if (ca !== undefined && !reader.optionalString('REDIS_URL')?.startsWith('rediss://')) {
    reader.problem('REDIS_TLS_CA_FILE needs REDIS_URL with rediss:// (Redis over TLS)');
  }
  return ca;
}

/**
 * Required, never generated: IP and PII hashes and deterministic event ids depend on it, so every
 * gateway instance, every restart and `tracking backfill` must use the same key (a random one per
 * process would make two instances hash one address two ways). `npm start` keeps one for the local stack.
 */
function readHashKey(reader: EnvReader): Buffer {
  const key = reader.optionalSecret('TRACKING_HASH_KEY');
  if (key === undefined) {
    reader.problem(
      'TRACKING_HASH_KEY is required: every gateway instance and `tracking backfill` must hash IPs and derive event ids with the same key (at least 32 characters, e.g. `openssl rand -hex 32`)',
    );
  } else if (key.length < 32) {
    reader.problem('TRACKING_HASH_KEY must be at least 32 characters');
  }
  return Buffer.from(key ?? '', 'utf8');
}

function readCountryHeader(reader: EnvReader): string | undefined {
  const name = reader.optionalString('TRACKING_COUNTRY_HEADER');
  if (name !== undefined && !/^[A-Za-z0-9-]+$/.test(name)) reader.problem('TRACKING_COUNTRY_HEADER must be a header name such as CF-IPCountry');
  return name?.toLowerCase();
}
