import { Registry } from 'prom-client';
import pino from 'pino';
import type { GatewayConfig } from '../config/gateway.config';
import type { TrackingKey } from './tracking-key';
import { TrackingKeyCache } from './tracking-key.cache';
import type { TrackingKeyRepository } from './tracking-key.repository';

const key = (id: string): TrackingKey => ({
  keyId: id,
  customerId: 'retail_chain',
  publishableKey: `pk_${id}`,
  secretSha256: Buffer.from(id.padEnd(32, '0')),
  description: null,
  createdAt: new Date(),
  expiresAt: null,
  revokedAt: null,
  rotatedFrom: null,
  rotatedAt: null,
  lastUsedAt: null,
  scopes: ['ingest', 'read'],
});

describe('TrackingKeyCache', () => {
  it('keeps a key applied while a refresh was reading, though the snapshot predates it', async () => {
    let answer: (keys: TrackingKey[]) => void = () => undefined;
    const repository = { listActive: () => new Promise<TrackingKey[]>((resolve) => (answer = resolve)) } as unknown as TrackingKeyRepository;
    const cache = new TrackingKeyCache(repository, { keyCacheRefreshMs: 10_000 } as GatewayConfig, pino({ level: 'silent' }), new Registry());
    const old = key('old');
    const rotated = key('new');

    const refreshing = cache.refresh();
    cache.apply(rotated);
    answer([old]);
    await refreshing;

    expect(cache.findBySecretHash(rotated.secretSha256)).toBe(rotated);
    expect(cache.findBySecretHash(old.secretSha256)).toBe(old);
  });
});
