import { isAbsolute, resolve } from 'node:path';
import { CONSUMER_GROUPS } from '@tracking/contracts';
import { EnvReader, readAdminTokenSha256, readServiceSettings, readSessionTimeoutMs, readConsumerFetchSettings, type ConsumerFetchSettings, type Env, type ServiceSettings } from '@tracking/config';
import type { AssemblyLimits } from '../assembly/partition-assembler';

export interface ExporterConfig extends ServiceSettings {
  groupId: string;
  sessionTimeoutMs: number;
  /** The most one fetch from Kafka brings (KAFKA_FETCH_MAX_KB, KAFKA_FETCH_PARTITION_MAX_KB). */
  fetch: ConsumerFetchSettings;
  /** SHA-256 of TRACKING_ADMIN_TOKEN, which guards /api/v1/export/*; unset disables those endpoints. */
  adminTokenSha256?: Buffer;
  /** CUSTOMERS_DIR, the development fallback: customers' s3_export blocks from this directory instead of the shared topic. */
  customersDir?: string;
  /** S3 endpoint for customers whose s3_export names none: the local S3 server in development; unset means AWS. */
  s3Endpoint?: string;
  /** The longest an object stays open under the `real-time` schedule. */
  realTimeMs: number;
  limits: AssemblyLimits;
  /** Objects being written at once, and the input bytes they may hold before consumption waits. */
  uploadConcurrency: number;
  maxPendingBytes: number;
  /** Backoff between probes of a failing customer's buckets. */
  retryBaseMs: number;
  retryMaxMs: number;
  /** Variables the s3_export credential references may name. */
  env: Env;
}

export const EXPORTER_CONFIG = Symbol('EXPORTER_CONFIG');

const MIB = 1024 * 1024;

export function loadExporterConfig(env: Env, cwd = process.cwd()): ExporterConfig {
  const reader = new EnvReader('exporter', env);
  const customersDir = reader.optionalString('CUSTOMERS_DIR');
  const config: ExporterConfig = {
    ...readServiceSettings(reader, 'exporter', { portVariable: 'EXPORTER_PORT', port: 3003, host: '127.0.0.1' }),
    groupId: reader.string('EXPORTER_GROUP_ID', CONSUMER_GROUPS.exporter),
    sessionTimeoutMs: readSessionTimeoutMs(reader, 'EXPORTER_SESSION_TIMEOUT_MS'),
    fetch: readConsumerFetchSettings(reader),
    adminTokenSha256: readAdminTokenSha256(reader),
    customersDir: customersDir === undefined ? undefined : isAbsolute(customersDir) ? customersDir : resolve(cwd, customersDir),
    s3Endpoint: reader.optionalUrl('S3_ENDPOINT', ['http:', 'https:']),
    realTimeMs: reader.integer('EXPORTER_REAL_TIME_SECONDS', 60, { min: 1, max: 3600 }) * 1000,
    limits: {
      maxRecords: reader.integer('EXPORTER_MAX_RECORDS_PER_OBJECT', 100_000, { min: 1, max: 10_000_000 }),
      maxBytes: reader.integer('EXPORTER_MAX_OBJECT_MB', 128, { min: 1, max: 4096 }) * MIB,
      latenessMs: reader.integer('EXPORTER_LATENESS_MINUTES', 60, { min: 0, max: 7 * 24 * 60 }) * 60_000,
    },
    uploadConcurrency: reader.integer('EXPORTER_UPLOAD_CONCURRENCY', 8, { min: 1, max: 256 }),
    maxPendingBytes: reader.integer('EXPORTER_MAX_PENDING_MB', 512, { min: 1, max: 65_536 }) * MIB,
    retryBaseMs: reader.integer('EXPORTER_RETRY_BASE_MS', 1000, { min: 10, max: 600_000 }),
    retryMaxMs: reader.integer('EXPORTER_RETRY_MAX_MS', 300_000, { min: 10, max: 3_600_000 }),
    env,
  };
  reader.done();
  return config;
}
