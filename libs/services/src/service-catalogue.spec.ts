import { CONSUMER_GROUPS } from '@tracking/contracts';
import { CONSUMING_SERVICES, MIGRATING_APPS, SERVICES } from './service-catalogue';

describe('SERVICES', () => {
  it('runs each consumer group of the contracts in exactly one service', () => {
    expect(CONSUMING_SERVICES.map((service) => service.consumer.key).sort()).toEqual(Object.keys(CONSUMER_GROUPS).sort());
  });

  it('gives every service its own name, port and port variable', () => {
    for (const field of ['name', 'port', 'portVariable'] as const) {
      expect(new Set(SERVICES.map((service) => service[field])).size).toBe(SERVICES.length);
    }
  });

  it('migrates only services it knows', () => {
    expect(MIGRATING_APPS.filter((app) => !SERVICES.some((service) => service.name === app))).toEqual([]);
  });
});
