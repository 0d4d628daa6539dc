import { Reflector } from '@nestjs/core';
import pino from 'pino';
import type { CustomerConfig, TokenScope } from '@tracking/customers';
import { ApiError } from '@tracking/http';
import type { CustomerRegistry } from '../customers/customer.registry';
import type { GatewayRequest } from '../http/gateway-request';
import type { TrackingKey } from '../keys/tracking-key';
import type { TrackingKeyCache } from '../keys/tracking-key.cache';
import { ApiTokenGuard } from './api-token.guard';
import { hashToken } from './token-verifier';

const SECRET = 'sk_live_0123456789abcdef0123456789abcdef0123456789abcdef';

function setup(scopes: readonly TokenScope[]) {
  const customer = { customerId: 'tenant_a', tracking: { apiTokens: [], publishableKeys: [], allowedOrigins: [] } } as unknown as CustomerConfig;
  const key: TrackingKey = {
    keyId: 'key_a1',
    customerId: 'tenant_a',
    publishableKey: 'pk_live_a1',
    secretSha256: hashToken(SECRET),
    description: null,
    createdAt: new Date(),
    expiresAt: null,
    revokedAt: null,
    rotatedFrom: null,
    rotatedAt: null,
    lastUsedAt: null,
    scopes,
  };
  const customers = { find: (id: string) => (id === 'tenant_a' ? customer : undefined), ownerOfTokenHash: () => undefined };
  const keys = { findBySecretHash: (hash: Buffer) => (hash.equals(key.secretSha256) ? key : undefined), recordUse: jest.fn() };
  const sut = new ApiTokenGuard(customers as unknown as CustomerRegistry, keys as unknown as TrackingKeyCache, new Reflector(), pino({ level: 'silent' }));
  const request = () => ({ headers: { 'x-customer-id': 'tenant_a', authorization: `Bearer ${SECRET}` }, ip: '127.0.0.1' }) as unknown as GatewayRequest;
  return { sut, request };
}

function refusalOf(call: () => unknown): ApiError | undefined {
  try {
    call();
    return undefined;
  } catch (error) {
    return error as ApiError;
  }
}

describe(ApiTokenGuard.name, () => {
  describe('a keys-API secret (issue 21)', () => {
    it('does what its scopes allow and nothing more', () => {
      const { sut, request } = setup(['read']);
      expect(refusalOf(() => sut.authenticate(request(), 'read'))).toBeUndefined();
      const refused = refusalOf(() => sut.authenticate(request(), 'ingest'));
      expect(refused).toBeInstanceOf(ApiError);
      expect({ status: refused?.status, message: refused?.message }).toEqual({ status: 403, message: 'This token has no ingest scope' });
      expect(refusalOf(() => sut.authenticate(request(), 'admin'))?.message).toBe('This token has no admin scope');
    });

    it('reaches the admin routes when created with admin', () => {
      const { sut, request } = setup(['ingest', 'read', 'admin']);
      const authenticated = request();
      expect(refusalOf(() => sut.authenticate(authenticated, 'admin'))).toBeUndefined();
      expect(authenticated.keyId).toBe('key_a1');
    });
  });
});
