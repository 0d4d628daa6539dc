import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import pino from 'pino';
import { createDatabasePool } from './database-pool';

/**
 * PostgreSQL over TLS is configured in DATABASE_URL alone (`sslmode`, `sslrootcert`, as libpq reads
 * them): the pool must hand the URL to pg as a connection string, not pick host and password out of
 * it, or those parameters are silently dropped and the service connects in plaintext.
 */
describe(createDatabasePool.name, () => {
  const logger = pino({ level: 'silent' });
  const ca = join(mkdtempSync(join(tmpdir(), 'pg-tls-')), 'root.crt');
  writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nnot-a-real-ca\n-----END CERTIFICATE-----\n');

  /** What a connection of the pool would use: pg's own reading of the pool's options. */
  function connectionOf(url: string): Client {
    const pool = createDatabasePool(url, 2, 'test', logger);
    const client = new Client((pool as unknown as { options: ConstructorParameters<typeof Client>[0] }).options);
    void pool.end();
    return client;
  }

  it('verifies the server against the CA that sslrootcert names with sslmode=verify-full', () => {
    const client = connectionOf(`postgres://app:secret@db.example:5432/tracking?sslmode=verify-full&sslrootcert=${ca}`);
    expect((client as unknown as { ssl: { ca?: string; rejectUnauthorized?: boolean } }).ssl).toMatchObject({ ca: expect.stringContaining('not-a-real-ca') });
  });

  it('connects over TLS with sslmode=require', () => {
    const client = connectionOf('postgres://app:secret@db.example:5432/tracking?sslmode=require');
    expect((client as unknown as { ssl: unknown }).ssl).toBeTruthy();
  });

  it('stays in plaintext without sslmode (the local stack)', () => {
    const client = connectionOf('postgres://postgres:postgres@127.0.0.1:54329/tracking');
    expect((client as unknown as { ssl: unknown }).ssl).toBe(false);
  });
});
