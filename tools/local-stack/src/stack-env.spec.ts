import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StackConnection } from './local-stack';
import { clientEnvironment, shellQuote, writeStackEnv } from './stack-env';

describe('stack.env', () => {
  const plain: StackConnection = {
    kafkaBrokers: ['127.0.0.1:9092', '127.0.0.1:9093'],
    schemaRegistryUrl: 'http://127.0.0.1:8081',
    databaseUrl: 'postgres://postgres:postgres@127.0.0.1:54329/tracking',
    redisUrl: 'redis://127.0.0.1:6379',
    s3Endpoint: 'http://127.0.0.1:4568',
    hashKey: 'a'.repeat(64),
  };
  const secured: StackConnection = {
    ...plain,
    kafkaSecurity: { caFile: '/stack/tls/ca.pem', mechanism: 'scram-sha-512', username: 'tracking', password: `it's $ecret "x"` },
    registryAuth: { username: 'tracking', password: 'p`w' },
  };

  it('names the settings as the services read them, TLS and SASL only when the cluster has them', () => {
    expect(clientEnvironment(plain)).toEqual({
      KAFKA_BROKERS: '127.0.0.1:9092,127.0.0.1:9093',
      SCHEMA_REGISTRY_URL: 'http://127.0.0.1:8081',
      DATABASE_URL: plain.databaseUrl,
      REDIS_URL: plain.redisUrl,
      S3_ENDPOINT: plain.s3Endpoint,
      TRACKING_HASH_KEY: plain.hashKey,
    });
    expect(clientEnvironment(secured)).toMatchObject({
      KAFKA_SSL: 'true',
      KAFKA_SSL_CA_FILE: '/stack/tls/ca.pem',
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: 'tracking',
      SCHEMA_REGISTRY_USERNAME: 'tracking',
    });
  });

  it('is shell syntax that gives back every value exactly, readable by its owner only', () => {
    const dir = mkdtempSync(join(tmpdir(), 'stack-env-'));
    try {
      const file = writeStackEnv(dir, secured);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const printed = execFileSync('sh', ['-c', `set -a; . "${file}"; set +a; printf '%s\\n' "$KAFKA_SASL_PASSWORD" "$SCHEMA_REGISTRY_PASSWORD" "$KAFKA_BROKERS"`], { env: {} }).toString();
      expect(printed).toBe(`it's $ecret "x"\np\`w\n127.0.0.1:9092,127.0.0.1:9093\n`);
      expect(readFileSync(file, 'utf8')).toMatch(/^# /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('quotes with single quotes', () => {
    expect(shellQuote("a'b")).toBe(`'a'\\''b'`);
  });
});
