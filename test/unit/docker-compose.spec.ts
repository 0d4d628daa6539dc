import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

const ROOT = join(__dirname, '..', '..');

interface ComposeService {
  image?: string;
  build?: string;
  command?: string[];
  environment?: Record<string, string | number>;
  depends_on?: Record<string, { condition: string }>;
}

describe('docker-compose.yml', () => {
  // yaml resolves the `<<` merge keys, so each service below is seen as Compose sees it.
  const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, ComposeService> };
  const services = compose.services;

  it('describes the real stack: Kafka in KRaft mode, a Confluent registry, PostgreSQL and S3', () => {
    expect(services['kafka']?.image).toMatch(/^apache\/kafka:4\./);
    expect(services['kafka']?.environment?.['KAFKA_PROCESS_ROLES']).toBe('broker,controller');
    expect(services['schema-registry']?.image).toMatch(/^confluentinc\/cp-schema-registry:/);
    expect(services['postgres']?.image).toMatch(/^postgres:/);
    expect(services['s3']?.image).toMatch(/minio/);
  });

  it.each(['gateway', 'vault-loader', 'automation-trigger', 'exporter'])('builds and runs %s from this repository', (name) => {
    const service = services[name];
    expect(service?.build).toBe('.');
    const entry = service?.command?.[1] ?? '';
    expect(entry).toBe(`dist/apps/${name}/src/main.js`);
    expect(existsSync(join(ROOT, entry.replace(/^dist\//, '').replace(/\.js$/, '.ts')))).toBe(true);
    expect(service?.environment).toMatchObject({
      KAFKA_BROKERS: 'kafka:9092',
      SCHEMA_REGISTRY_URL: 'http://schema-registry:8081',
    });
    expect(service?.depends_on?.['provision']?.condition).toBe('service_completed_successfully');
  });

  it('points every service at hosts that the file defines', () => {
    for (const service of Object.values(services)) {
      for (const value of Object.values(service.environment ?? {})) {
        const host = /^(?:[a-z]+:\/\/)?(?:[^@/]+@)?([a-z][a-z0-9-]*):\d+/.exec(String(value))?.[1];
        if (host && host !== 'localhost') expect(Object.keys(services)).toContain(host);
      }
    }
  });

  it('gives the exporter the S3 endpoint of the MinIO service', () => {
    expect(services['exporter']?.environment?.['S3_ENDPOINT']).toBe('http://s3:9000');
  });

  it('gives the loader the database and provisions topics and schemas before any app starts', () => {
    expect(services['vault-loader']?.environment?.['DATABASE_URL']).toMatch(/^postgres:\/\/.*@postgres:5432\//);
    expect(services['provision']?.command?.[1]).toBe('dist/tools/local-stack/src/provision.cli.js');
    expect(existsSync(join(ROOT, 'tools/local-stack/src/provision.cli.ts'))).toBe(true);
    expect(existsSync(join(ROOT, 'Dockerfile'))).toBe(true);
  });
});
