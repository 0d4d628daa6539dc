import { anonymiseIp } from './ip-anonymiser';

describe(anonymiseIp.name, () => {
  const truncate = { mode: 'truncate' } as const;

  it.each([
    ['203.0.113.77', '203.0.113.0/24'],
    ['::ffff:198.51.100.9', '198.51.100.0/24'],
    ['2001:db8:85a3:8d3:1319:8a2e:370:7348', '2001:db8:85a3::/48'],
    ['2001:db8::1', '2001:db8:0::/48'],
    ['::1', '0:0:0::/48'],
  ])('truncates %s to %s', (ip, expected) => {
    expect(anonymiseIp(ip, truncate)).toBe(expected);
  });

  it('returns null for absent or malformed addresses rather than passing them through', () => {
    expect(anonymiseIp(undefined, truncate)).toBeNull();
    expect(anonymiseIp('not-an-ip', truncate)).toBeNull();
  });

  it('hashes with a key: stable for one key, different for another, never the address', () => {
    const a = anonymiseIp('203.0.113.77', { mode: 'hash', key: Buffer.from('k1') });
    expect(a).toBe(anonymiseIp('203.0.113.77', { mode: 'hash', key: Buffer.from('k1') }));
    expect(a).not.toBe(anonymiseIp('203.0.113.77', { mode: 'hash', key: Buffer.from('k2') }));
    expect(a).toMatch(/^hmac:[0-9a-f]{32}$/);
  });
});
