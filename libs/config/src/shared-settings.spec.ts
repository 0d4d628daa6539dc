import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EnvReader } from './env-reader';
import { readConsumerFetchSettings, readKafkaSettings, readRegistrySettings } from './shared-settings';

const dir = mkdtempSync(join(tmpdir(), 'settings-'));
const file = (name: string, contents: string): string => {
  const path = join(dir, name);
  writeFileSync(path, contents);
  return path;
};

function problemsOf(read: (env: EnvReader) => unknown, env: Record<string, string>): string {
  const reader = new EnvReader('gateway', env);
  read(reader);
  try {
    reader.done();
    return '';
  } catch (error) {
    return (error as Error).message;
  }
}

describe(readKafkaSettings.name, () => {
  it('is plaintext without credentials by default, and prefixes the client id', () => {
    const reader = new EnvReader('gateway', { KAFKA_CLIENT_ID_PREFIX: 'acme-prod-' });
    expect(readKafkaSettings(reader, 'gateway')).toEqual({ brokers: ['127.0.0.1:9092'], clientId: 'acme-prod-gateway' });
    reader.done();
  });

  it('turns TLS on when a TLS file is given, and reads SASL with the password from a file', () => {
    const reader = new EnvReader('gateway', {
      KAFKA_SSL_CA_FILE: file('ca.pem', 'CA'),
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: 'tracking',
      KAFKA_SASL_PASSWORD_FILE: file('password', 'hunter2\n'),
    });
    const settings = readKafkaSettings(reader, 'gateway');
    reader.done();
    expect(settings.tls).toEqual({ ca: 'CA', cert: undefined, key: undefined });
    expect(settings.sasl).toEqual({ mechanism: 'scram-sha-512', username: 'tracking', password: 'hunter2' });
  });

  it('names each bad setting and never the secret', () => {
    const message = problemsOf((env) => readKafkaSettings(env, 'gateway'), {
      KAFKA_SSL_CA_FILE: join(dir, 'missing.pem'),
      KAFKA_SSL_CERT_FILE: file('cert.pem', 'CERT'),
      KAFKA_SASL_MECHANISM: 'gssapi',
      KAFKA_SASL_PASSWORD: 'hunter2',
    });
    expect(message).toContain('KAFKA_SSL_CA_FILE names');
    expect(message).toContain('KAFKA_SSL_KEY_FILE');
    expect(message).toContain('KAFKA_SASL_MECHANISM must be one of plain, scram-sha-256, scram-sha-512');
    expect(message).toContain('KAFKA_SASL_USERNAME is required');
    expect(message).not.toContain('hunter2');
  });

  it('refuses credentials without a mechanism, and a password given twice', () => {
    expect(problemsOf((env) => readKafkaSettings(env, 'gateway'), { KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' })).toContain(
      'need KAFKA_SASL_MECHANISM',
    );
    expect(
      problemsOf((env) => readKafkaSettings(env, 'gateway'), {
        KAFKA_SASL_MECHANISM: 'plain',
        KAFKA_SASL_USERNAME: 'u',
        KAFKA_SASL_PASSWORD: 'p',
        KAFKA_SASL_PASSWORD_FILE: file('p2', 'p'),
      }),
    ).toContain('KAFKA_SASL_PASSWORD and KAFKA_SASL_PASSWORD_FILE are both set');
  });
});

describe(readRegistrySettings.name, () => {
  it('reads basic auth and a CA', () => {
    const reader = new EnvReader('gateway', {
      SCHEMA_REGISTRY_URL: 'https://registry.example:8081',
      SCHEMA_REGISTRY_CA_FILE: file('registry-ca.pem', 'RCA'),
      SCHEMA_REGISTRY_USERNAME: 'key',
      SCHEMA_REGISTRY_PASSWORD: 'secret',
    });
    expect(readRegistrySettings(reader)).toEqual({
      url: 'https://registry.example:8081',
      ca: 'RCA',
      basicAuth: { username: 'key', password: 'secret' },
    });
    reader.done();
  });

  it('wants the username and the password together', () => {
    expect(problemsOf(readRegistrySettings, { SCHEMA_REGISTRY_USERNAME: 'key' })).toContain('go together');
  });
});

describe(readConsumerFetchSettings.name, () => {
  it('fetches at most 4 MiB at once and 1 MiB of a partition by default', () => {
    const reader = new EnvReader('vault-loader', {});
    expect(readConsumerFetchSettings(reader)).toEqual({ maxBytes: 4 * 1024 * 1024, maxBytesPerPartition: 1024 * 1024 });
    reader.done();
  });

  it('refuses a partition share larger than the whole fetch', () => {
    expect(problemsOf(readConsumerFetchSettings, { KAFKA_FETCH_MAX_KB: '512', KAFKA_FETCH_PARTITION_MAX_KB: '1024' })).toContain('KAFKA_FETCH_PARTITION_MAX_KB (1024) must not exceed KAFKA_FETCH_MAX_KB (512)');
  });
});

