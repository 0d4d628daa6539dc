import { loadStackSettings } from '@tools/local-stack/stack-settings';
import { benchStackSettings } from './bench-stack';

describe('benchStackSettings', () => {
  const ports = (settings: ReturnType<typeof loadStackSettings>): number[] => [
    settings.kafka.port,
    settings.kafka.controllerPort,
    settings.registry.port,
    settings.redis.port,
    settings.s3.port,
    Number(new URL(settings.embeddedDatabaseUrl).port),
  ];

  it("moves every server off the user's stack, and never onto the user's own DATABASE_URL, REDIS_URL or S3_ENDPOINT", () => {
    const env = {
      STACK_DIR: '/srv/stack',
      DATABASE_URL: 'postgres://u:p@db.example:5432/tracking',
      REDIS_URL: 'redis://cache.example:6379',
      S3_ENDPOINT: 'https://s3.example',
    };
    const user = loadStackSettings(env);
    const bench = benchStackSettings(env);
    expect(ports(bench)).toEqual(ports(user).map((port) => port + 10_000));
    expect(bench).toMatchObject({ stackDir: '/srv/stack/bench-stack', externalDatabaseUrl: undefined, externalRedisUrl: undefined, externalS3Endpoint: undefined });
  });

  it('takes another directory and offset (BENCH_STACK_DIR, BENCH_PORT_OFFSET), and refuses an offset that runs past the last port', () => {
    const bench = benchStackSettings({ BENCH_STACK_DIR: '/tmp/other-bench', BENCH_PORT_OFFSET: '11000' });
    expect(ports(bench)).toEqual(ports(loadStackSettings({})).map((port) => port + 11_000));
    expect(bench.stackDir).toBe('/tmp/other-bench');
    expect(() => benchStackSettings({ BENCH_PORT_OFFSET: '12000' })).toThrow(/BENCH_PORT_OFFSET 12000: port 54329/);
  });
});
