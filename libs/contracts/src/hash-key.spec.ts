import { GHOST_HASH_KEY, hashKey, normaliseBusinessKeyPart, tenantHashKey } from './hash-key';

describe('Data Vault hash keys', () => {
  describe('normaliseBusinessKeyPart', () => {
    it('trims and upper-cases, and turns a missing part into the empty string', () => {
      expect(normaliseBusinessKeyPart('  sess_1 ')).toBe('SESS_1');
      expect(normaliseBusinessKeyPart(null)).toBe('');
      expect(normaliseBusinessKeyPart(undefined)).toBe('');
      expect(normaliseBusinessKeyPart(42)).toBe('42');
    });
  });

  describe('tenantHashKey', () => {
    it('is SHA-256 of the normalised customer id (vector computed with sha256sum)', () => {
      expect(tenantHashKey(' one_spa ').toString('hex')).toBe('6a885e561ce20f79ab33abfa682dfe39cf0c9529bb10099e388dc1658ed70151');
    });
  });

  describe('hashKey', () => {
    it('is SHA-256 over tenant and business key joined with ||', () => {
      expect(hashKey('one_spa', 'sess_spa_customer_123').toString('hex')).toBe(
        '5d3c72306884601b0cabee3c88d3f3123d2f79fdc4bc6cc4ef98482b448bcb31',
      );
    });

    it('keeps empty parts in their place when only some are missing', () => {
      expect(hashKey('one_spa', 'a', null).toString('hex')).toBe('cc69d42107b382b8ced78071aee703899de3a25f8c0cb6d29acde07843c4db08');
    });

    it('differs between tenants for the same business key', () => {
      expect(hashKey('one_spa', 'sess_1').equals(hashKey('retail_chain', 'sess_1'))).toBe(false);
    });

    it('is the ghost key when the whole business key is missing', () => {
      expect(hashKey('one_spa', null)).toBe(GHOST_HASH_KEY);
      expect(hashKey('one_spa', '  ', undefined)).toBe(GHOST_HASH_KEY);
      expect(GHOST_HASH_KEY.equals(Buffer.alloc(32))).toBe(true);
    });
  });
});
