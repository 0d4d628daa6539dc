import { ApiError } from '@tracking/http';
import type { CustomerRegistry } from '../customers/customer.registry';
import type { TrackingKey } from './tracking-key';
import type { TrackingKeyCache } from './tracking-key.cache';
import type { NewKey, TrackingKeyRepository } from './tracking-key.repository';
import { TrackingKeysService } from './tracking-keys.service';

const stored = (key: NewKey, overrides: Partial<TrackingKey> = {}): TrackingKey => ({
  ...key,
  createdAt: new Date('2026-12-07T10:00:00Z'),
  expiresAt: null,
  revokedAt: null,
  rotatedAt: null,
  lastUsedAt: null,
  ...overrides,
});

function setup() {
  const existing = stored({
    keyId: 'key_a1',
    customerId: 'tenant_a',
    publishableKey: 'pk_live_a1',
    secretSha256: Buffer.alloc(32, 1),
    description: 'web shop',
    rotatedFrom: null,
    scopes: ['read', 'admin'],
  });
  const repository = {
    create: jest.fn((key: NewKey) => Promise.resolve(stored(key))),
    find: jest.fn((keyId: string, owner?: string) => Promise.resolve(keyId === existing.keyId && (owner === undefined || owner === existing.customerId) ? existing : undefined)),
    rotate: jest.fn((_: string, key: NewKey) => Promise.resolve({ created: stored(key), previous: { ...existing, expiresAt: new Date(Date.now() + 3_600_000), rotatedAt: new Date() } })),
    revoke: jest.fn((keyId: string, owner?: string) =>
      Promise.resolve(keyId === existing.keyId && (owner === undefined || owner === existing.customerId) ? { ...existing, revokedAt: new Date() } : undefined),
    ),
  };
  const cache = { apply: jest.fn() };
  const customers = { find: (id: string) => (id.startsWith('tenant_') ? { customerId: id } : undefined) };
  const sut = new TrackingKeysService(repository as unknown as TrackingKeyRepository, cache as unknown as TrackingKeyCache, customers as unknown as CustomerRegistry);
  return { sut, mocks: { repository, cache } };
}

async function refusal(promise: Promise<unknown>): Promise<ApiError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ApiError);
  return error as ApiError;
}

describe(TrackingKeysService.name, () => {
  describe('create', () => {
    it('stores the chosen scopes in their canonical order and answers the secret once, never its hash', async () => {
      const { sut, mocks } = setup();
      const issued = await sut.create('tenant_a', 'ci', ['admin', 'ingest']);
      expect(mocks.repository.create).toHaveBeenCalledWith(expect.objectContaining({ customerId: 'tenant_a', scopes: ['ingest', 'admin'] }));
      expect(issued).toMatchObject({ customer_id: 'tenant_a', scopes: ['ingest', 'admin'], secret: expect.stringMatching(/^sk_live_[0-9a-f]{48}$/) });
      expect(JSON.stringify(issued)).not.toContain('secret_sha256');
      expect(mocks.cache.apply).toHaveBeenCalledTimes(1);
    });

    it('gives a key without chosen scopes the default ones, ingest and read', async () => {
      const { sut } = setup();
      expect((await sut.create('tenant_a', null)).scopes).toEqual(['ingest', 'read']);
    });

    it('refuses an empty scope list naming the field', async () => {
      const { sut, mocks } = setup();
      const error = await refusal(sut.create('tenant_a', null, []));
      expect(error.status).toBe(400);
      expect(error.message).toContain('scopes');
      expect(mocks.repository.create).not.toHaveBeenCalled();
    });
  });

  describe('when a customer names a key of another customer', () => {
    it('does not rotate it: 404, and the repository is not asked to change anything', async () => {
      const { sut, mocks } = setup();
      const error = await refusal(sut.rotate('key_a1', 60, 'tenant_b'));
      expect(error.status).toBe(404);
      expect(mocks.repository.find).toHaveBeenCalledWith('key_a1', 'tenant_b');
      expect(mocks.repository.rotate).not.toHaveBeenCalled();
      expect(mocks.cache.apply).not.toHaveBeenCalled();
    });

    it('does not revoke it: the owner goes into the revocation, which finds nothing', async () => {
      const { sut, mocks } = setup();
      const error = await refusal(sut.revoke('key_a1', 'tenant_b'));
      expect(error.status).toBe(404);
      expect(mocks.repository.revoke).toHaveBeenCalledWith('key_a1', 'tenant_b');
      expect(mocks.cache.apply).not.toHaveBeenCalled();
    });
  });

  describe('rotate', () => {
    it("gives the replacement the old key's customer, description and scopes", async () => {
      const { sut, mocks } = setup();
      const { key, previous } = await sut.rotate('key_a1', 120, 'tenant_a');
      expect(mocks.repository.rotate).toHaveBeenCalledWith('key_a1', expect.objectContaining({ customerId: 'tenant_a', description: 'web shop', scopes: ['read', 'admin'], rotatedFrom: 'key_a1' }), 120);
      expect(key).toMatchObject({ scopes: ['read', 'admin'], rotated_from: 'key_a1', secret: expect.stringMatching(/^sk_live_/) });
      expect(previous).toMatchObject({ key_id: 'key_a1', status: 'expiring', rotated_at: expect.any(String) });
      expect(previous).not.toHaveProperty('secret');
    });
  });
});
