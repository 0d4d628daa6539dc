import { loadGatewayConfig } from './gateway.config';

describe(loadGatewayConfig.name, () => {
  const key = 'k'.repeat(32);

  it('refuses to start without TRACKING_HASH_KEY, saying why every instance needs the same one', () => {
    expect(() => loadGatewayConfig({})).toThrow(/TRACKING_HASH_KEY is required: every gateway instance and `tracking backfill` must hash IPs/);
  });

  it('refuses a short key without echoing it', () => {
    expect(() => loadGatewayConfig({ TRACKING_HASH_KEY: 'short-secret' })).toThrow(/TRACKING_HASH_KEY must be at least 32 characters/);
    expect(() => loadGatewayConfig({ TRACKING_HASH_KEY: 'short-secret' })).not.toThrow(/short-secret/);
  });

  it('uses the key as given', () => {
    expect(loadGatewayConfig({ TRACKING_HASH_KEY: key }).hashKey.toString('utf8')).toBe(key);
  });
});
