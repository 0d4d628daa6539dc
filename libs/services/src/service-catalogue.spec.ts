import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONSUMER_GROUPS } from '@tracking/contracts';
import { repositoryRoot } from './repository-root';
import { CONSUMING_SERVICES, MIGRATING_APPS, SERVICE_NODE_OPTIONS, SERVICE_PROCESS_ENV, SERVICES, serviceProcessEnv } from './service-catalogue';

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

describe('serviceProcessEnv', () => {
  it('puts the service options before an operator\'s NODE_OPTIONS and keeps an operator\'s MALLOC_ARENA_MAX', () => {
    const env = serviceProcessEnv({ PATH: '/bin', NODE_OPTIONS: '--max-semi-space-size=32', MALLOC_ARENA_MAX: '4' });
    expect(env).toEqual({ PATH: '/bin', NODE_OPTIONS: `${SERVICE_NODE_OPTIONS.join(' ')} --max-semi-space-size=32`, MALLOC_ARENA_MAX: '4' });
    expect(serviceProcessEnv({})).toEqual({ ...SERVICE_PROCESS_ENV, NODE_OPTIONS: SERVICE_NODE_OPTIONS.join(' ') });
  });

  it('is what the image sets for its services', () => {
    const dockerfile = readFileSync(join(repositoryRoot(), 'Dockerfile'), 'utf8');
    expect(dockerfile).toContain(`NODE_OPTIONS="${SERVICE_NODE_OPTIONS.join(' ')}"`);
    for (const [name, value] of Object.entries(SERVICE_PROCESS_ENV)) expect(dockerfile).toContain(`${name}=${value}`);
  });
});
