import { randomBytes } from 'node:crypto';
import { isAbsolute, resolve } from 'node:path';
import { EnvReader, readServiceSettings, type Env, type ServiceSettings } from '@tracking/config';
import type { IngestionLimits } from '@tracking/ingestion';
import type { Compression } from '@tracking/kafka';

export interface GatewayConfig extends ServiceSettings {
  customersDir: string;
  /** Requests whose body is larger get 413 (seed 002: 64 KB). */
  maxBodyBytes: number;
  limits: IngestionLimits;
  /** Key of the HMAC used when a customer asks for IP hashing. */
  ipHashKey: Buffer;
  ipHashKeyGenerated: boolean;
  producer: { compression: Compression; ackTimeoutMs: number };
  /** Trust X-Forwarded-For from a reverse proxy in front of the gateway. */
  trustProxy: boolean;
}

export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');

/** Reads and checks every gateway setting once; the one error lists all bad settings. */
export function loadGatewayConfig(env: Env, cwd = process.cwd()): GatewayConfig {
  const reader = new EnvReader('gateway', env);
  const customersDir = reader.string('CUSTOMERS_DIR', 'example-customers/configurations');
  const ipHashKey = reader.optionalString('TRACKING_IP_HASH_KEY');
  if (ipHashKey !== undefined && ipHashKey.length < 32) reader.problem('TRACKING_IP_HASH_KEY must be at least 32 characters');
  const config: GatewayConfig = {
    ...readServiceSettings(reader, 'gateway', { portVariable: 'PORT', port: 3000, host: '0.0.0.0' }),
    customersDir: isAbsolute(customersDir) ? customersDir : resolve(cwd, customersDir),
    maxBodyBytes: reader.integer('TRACKING_MAX_BODY_BYTES', 64 * 1024, { min: 1024, max: 16 * 1024 * 1024 }),
    limits: {
      maxPropertiesBytes: reader.integer('TRACKING_MAX_PROPERTIES_BYTES', 16 * 1024, { min: 256, max: 1024 * 1024 }),
      maxEventAgeMs: reader.integer('TRACKING_MAX_EVENT_AGE_HOURS', 7 * 24, { min: 1 }) * 3_600_000,
      maxClockSkewMs: reader.integer('TRACKING_MAX_CLOCK_SKEW_SECONDS', 300, { min: 0 }) * 1000,
      maxDepth: reader.integer('TRACKING_MAX_JSON_DEPTH', 10, { min: 1, max: 64 }),
    },
    ipHashKey: ipHashKey ? Buffer.from(ipHashKey, 'utf8') : randomBytes(32),
    ipHashKeyGenerated: ipHashKey === undefined,
    producer: {
      compression: reader.oneOf('KAFKA_COMPRESSION', ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const, 'none'),
      ackTimeoutMs: reader.integer('KAFKA_ACK_TIMEOUT_MS', 10_000, { min: 100, max: 120_000 }),
    },
    trustProxy: reader.boolean('TRUST_PROXY', false),
  };
  reader.done();
  return config;
}
