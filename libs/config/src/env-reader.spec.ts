import { ConfigError } from './config-error';
import { EnvReader } from './env-reader';

describe(EnvReader.name, () => {
  it('returns defaults for unset settings', () => {
    const sut = new EnvReader('app', {});
    expect(sut.port('PORT', 3000)).toBe(3000);
    expect(sut.hostPorts('KAFKA_BROKERS', '127.0.0.1:9092')).toEqual(['127.0.0.1:9092']);
    expect(() => sut.done()).not.toThrow();
  });

  it('reports every bad setting in one error, each by name', () => {
    const sut = new EnvReader('gateway', { PORT: 'eighty', KAFKA_BROKERS: 'localhost', SCHEMA_REGISTRY_URL: 'nope', FLAG: 'maybe' });
    sut.port('PORT', 3000);
    sut.hostPorts('KAFKA_BROKERS', '');
    sut.url('SCHEMA_REGISTRY_URL', 'http://x');
    sut.boolean('FLAG', false);
    sut.requiredString('SECRET');
    expect(() => sut.done()).toThrow(ConfigError);
    try {
      sut.done();
    } catch (error) {
      const problems = (error as ConfigError).problems.join('\n');
      for (const name of ['PORT', 'KAFKA_BROKERS', 'SCHEMA_REGISTRY_URL', 'FLAG', 'SECRET']) expect(problems).toContain(name);
      expect((error as Error).message).toMatch(/^invalid configuration for gateway/);
    }
  });

  it('checks numeric bounds', () => {
    const sut = new EnvReader('app', { N: '0' });
    sut.integer('N', 5, { min: 1 });
    expect(() => sut.done()).toThrow(/N must be at least 1/);
  });
});
