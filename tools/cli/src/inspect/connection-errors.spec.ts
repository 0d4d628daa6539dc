import { CliError } from '../cli-error';
import { explainKafkaFailure, isKafkaConnectionFailure, registryUnreachable } from './connection-errors';

const kafkaError = (name: string, message: string, cause?: Error): Error => Object.assign(new Error(message, { cause }), { name });

describe(explainKafkaFailure.name, () => {
  it('turns an unreachable cluster, even wrapped in retries, into advice to start the stack or check --brokers', () => {
    const refused = kafkaError('KafkaJSConnectionError', 'Connection error: connect ECONNREFUSED 127.0.0.1:9092');
    const sut = explainKafkaFailure(kafkaError('KafkaJSNumberOfRetriesExceeded', refused.message, refused), ['127.0.0.1:9092']);
    expect(sut).toBeInstanceOf(CliError);
    expect((sut as CliError).message).toMatch(/cannot reach Kafka at 127.0.0.1:9092/);
    expect((sut as CliError).hint).toMatch(/npm run stack:up.*--brokers/);
  });

  it('tells refused SASL credentials and an untrusted certificate apart from an unreachable cluster', () => {
    const refused = kafkaError('KafkaJSSASLAuthenticationError', 'SASL SCRAM SHA512 authentication failed: invalid credentials');
    const sasl = explainKafkaFailure(kafkaError('KafkaJSNumberOfRetriesExceeded', refused.message, refused), ['kafka-1:9093']) as CliError;
    expect(sasl.message).toBe('Kafka at kafka-1:9093 refused the connection: authentication failed (SASL): SASL SCRAM SHA512 authentication failed: invalid credentials');
    expect(sasl.hint).toMatch(/KAFKA_SASL_USERNAME/);
    const untrusted = Object.assign(kafkaError('KafkaJSConnectionError', 'Connection error: self-signed certificate in certificate chain'), { code: 'SELF_SIGNED_CERT_IN_CHAIN' });
    const tls = explainKafkaFailure(untrusted, ['kafka-1:9093']) as CliError;
    expect(tls.message).toMatch(/^cannot connect to Kafka at kafka-1:9093: TLS: certificate not accepted \(SELF_SIGNED_CERT_IN_CHAIN\)/);
    expect(tls.hint).toMatch(/KAFKA_SSL_CA_FILE/);
  });

  it('passes other errors through untouched', () => {
    const protocol = kafkaError('KafkaJSProtocolError', 'This server does not host this topic-partition');
    expect(isKafkaConnectionFailure(protocol)).toBe(false);
    expect(explainKafkaFailure(protocol, ['b:9092'])).toBe(protocol);
    const cli = new CliError('already explained');
    expect(explainKafkaFailure(cli, ['b:9092'])).toBe(cli);
  });
});

describe(registryUnreachable.name, () => {
  it("names the registry and the socket error fetch hides in its cause", () => {
    const sut = registryUnreachable('http://127.0.0.1:8081', new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:8081') }));
    expect(sut.message).toBe('cannot reach the schema registry at http://127.0.0.1:8081: connect ECONNREFUSED 127.0.0.1:8081');
    expect(sut.hint).toMatch(/npm run stack:up.*--registry/);
  });
});
