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

  it('reads the edge country header as a lower-case header name, and refuses anything else', () => {
    expect(loadGatewayConfig({ TRACKING_HASH_KEY: key }).countryHeader).toBeUndefined();
    expect(loadGatewayConfig({ TRACKING_HASH_KEY: key, TRACKING_COUNTRY_HEADER: 'CF-IPCountry' }).countryHeader).toBe('cf-ipcountry');
    expect(() => loadGatewayConfig({ TRACKING_HASH_KEY: key, TRACKING_COUNTRY_HEADER: 'CF IPCountry: DE' })).toThrow(/TRACKING_COUNTRY_HEADER must be a header name/);
  });

  it('measures storage every five minutes unless told otherwise, and not at all with 0', () => {
    expect(loadGatewayConfig({ TRACKING_HASH_KEY: key }).storageUsageIntervalMs).toBe(300_000);
    expect(loadGatewayConfig({ TRACKING_HASH_KEY: key, STORAGE_USAGE_INTERVAL_SECONDS: '0' }).storageUsageIntervalMs).toBe(0);
  });

  it('bounds what waits for Kafka, by default 10,000 records and 32 MiB, never below one produce request', () => {
    expect(loadGatewayConfig({ TRACKING_HASH_KEY: key }).producer).toMatchObject({ maxQueuedRecords: 10_000, maxQueuedBytes: 32 * 1024 * 1024 });
    expect(() => loadGatewayConfig({ TRACKING_HASH_KEY: key, KAFKA_MAX_QUEUED_RECORDS: '1000' })).toThrow(/KAFKA_MAX_QUEUED_RECORDS \(1000\) must be at least KAFKA_MAX_BATCH_RECORDS \(2000\)/);
  });
});
