import { CliError } from './cli-error';
import { readCliConnection } from './cli-context';

describe(readCliConnection.name, () => {
  const secured = {
    KAFKA_BROKERS: 'kafka-1.example:9093,kafka-2.example:9093',
    KAFKA_SSL: 'true',
    KAFKA_SASL_MECHANISM: 'scram-sha-512',
    KAFKA_SASL_USERNAME: 'operator',
    KAFKA_SASL_PASSWORD: 'kafka-secret',
    SCHEMA_REGISTRY_URL: 'https://registry.example',
    SCHEMA_REGISTRY_USERNAME: 'registry-key',
    SCHEMA_REGISTRY_PASSWORD: 'registry-secret',
  };

  it('reads Kafka TLS and SASL and the registry credentials from the environment, as the services do', () => {
    const sut = readCliConnection({}, secured);
    expect(sut.kafka).toEqual({
      brokers: ['kafka-1.example:9093', 'kafka-2.example:9093'],
      clientId: 'tracking-cli',
      tls: { ca: undefined, cert: undefined, key: undefined },
      sasl: { mechanism: 'scram-sha-512', username: 'operator', password: 'kafka-secret' },
    });
    expect(sut.registry).toEqual({ url: 'https://registry.example', basicAuth: { username: 'registry-key', password: 'registry-secret' } });
  });

  it('lets --brokers and --registry override where, and keeps how from the environment', () => {
    const sut = readCliConnection({ brokers: 'other:9093', registry: 'https://other-registry.example' }, secured);
    expect(sut.kafka.brokers).toEqual(['other:9093']);
    expect(sut.kafka.sasl?.username).toBe('operator');
    expect(sut.registry.url).toBe('https://other-registry.example');
    expect(sut.registry.basicAuth?.username).toBe('registry-key');
  });

  it('defaults to the local stack', () => {
    expect(readCliConnection({}, {})).toEqual({ kafka: { brokers: ['127.0.0.1:9092'], clientId: 'tracking-cli' }, registry: { url: 'http://127.0.0.1:8081' } });
  });

  it('stops with a CliError naming the bad setting, never its value', () => {
    const attempt = (): unknown => readCliConnection({}, { KAFKA_SASL_USERNAME: 'operator', KAFKA_SASL_PASSWORD: 'kafka-secret' });
    expect(attempt).toThrow(CliError);
    expect(attempt).toThrow(/KAFKA_SASL_MECHANISM/);
    expect(attempt).not.toThrow(/kafka-secret/);
  });
});
