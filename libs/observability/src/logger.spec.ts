import { Writable } from 'node:stream';
import { EnvReader, readDatabaseUrl, readServiceSettings } from '@tracking/config';
import { createLogger } from './logger';

const SECRETS = {
  KAFKA_SASL_PASSWORD: 'kafka-sasl-secret-1',
  SCHEMA_REGISTRY_PASSWORD: 'registry-secret-2',
  DATABASE_URL: 'postgres://app:database-secret-3@db.example:5432/tracking?sslmode=verify-full',
};

function capture(): { lines: string[]; stream: Writable } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  return { lines, stream };
}

describe(createLogger.name, () => {
  it("keeps every secret of a service's settings out of the log when the whole settings object is logged", () => {
    const reader = new EnvReader('gateway', {
      KAFKA_BROKERS: 'kafka-1.example:9093',
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: 'gateway',
      KAFKA_SASL_PASSWORD: SECRETS.KAFKA_SASL_PASSWORD,
      SCHEMA_REGISTRY_URL: 'https://registry.example',
      SCHEMA_REGISTRY_USERNAME: 'gateway',
      SCHEMA_REGISTRY_PASSWORD: SECRETS.SCHEMA_REGISTRY_PASSWORD,
      DATABASE_URL: SECRETS.DATABASE_URL,
    });
    const settings = { ...readServiceSettings(reader, 'gateway', { portVariable: 'PORT', port: 8080, host: '127.0.0.1' }), databaseUrl: readDatabaseUrl(reader), hashKey: Buffer.from('hash-key') };
    reader.done();
    const { lines, stream } = capture();
    const sut = createLogger('gateway', 'info', stream);

    sut.info(settings, 'settings at top level');
    sut.info({ config: settings }, 'settings one level down');
    sut.info({ service: { config: settings } }, 'settings two levels down');

    const output = lines.join('');
    expect(lines).toHaveLength(3);
    for (const secret of Object.values(SECRETS).slice(0, 2)) expect(output).not.toContain(secret);
    expect(output).not.toContain('database-secret-3');
    // Where things are stays readable.
    expect(output).toContain('kafka-1.example:9093');
    expect(output).toContain('db.example:5432');
  });
});
