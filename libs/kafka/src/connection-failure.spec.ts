import { KafkaJSConnectionError, KafkaJSNumberOfRetriesExceeded, KafkaJSSASLAuthenticationError } from 'kafkajs';
import { classifyConnectionFailure } from './connection-failure';
import { RegistryUnreachableError } from './registry-http';
import { RegistryAuthenticationError } from './schema-registry.adapter';

/** kafkajs's typings declare no constructor arguments; it takes the message like its other errors. */
const SaslError = KafkaJSSASLAuthenticationError as unknown as new (message: string) => Error;

function socketError(code: string, message: string): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code });
}

/** What kafkajs throws after its retries: the broker's failure wrapped in KafkaJSNumberOfRetriesExceeded. */
function afterRetries(error: Error): Error {
  return new KafkaJSNumberOfRetriesExceeded(error, { retryCount: 8, retryTime: 1000 });
}

describe(classifyConnectionFailure.name, () => {
  it('tells refused SASL credentials, also when wrapped by the retrier', () => {
    const refused = new SaslError('SASL SCRAM SHA512 authentication failed: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512');
    const failure = classifyConnectionFailure(afterRetries(refused));
    expect(failure.kind).toBe('authentication');
    expect(failure.reason).toMatch(/^authentication failed \(SASL\): SASL SCRAM SHA512/);
  });

  it.each([
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'unable to verify the first certificate'],
    ['SELF_SIGNED_CERT_IN_CHAIN', 'self-signed certificate in certificate chain'],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'self-signed certificate'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', "Hostname/IP does not match certificate's altnames"],
    ['CERT_HAS_EXPIRED', 'certificate has expired'],
    ['ERR_SSL_WRONG_VERSION_NUMBER', 'wrong version number'],
  ])('tells a certificate the client does not accept (%s) from a broker', (code, message) => {
    const error = new KafkaJSConnectionError(`Connection error: ${message}`, { broker: 'kafka-1:9093', code });
    const failure = classifyConnectionFailure(afterRetries(error));
    expect(failure).toEqual({ kind: 'tls', reason: `TLS: certificate not accepted (${code}): Connection error: ${message}` });
  });

  it('tells a registry certificate the client does not accept', () => {
    const fetchFailure = new TypeError('fetch failed', { cause: socketError('SELF_SIGNED_CERT_IN_CHAIN', 'self-signed certificate in certificate chain') });
    const failure = classifyConnectionFailure(new RegistryUnreachableError('https://registry.example', 'GET', '/subjects', fetchFailure));
    expect(failure.kind).toBe('tls');
  });

  it('tells refused registry credentials', () => {
    const failure = classifyConnectionFailure(new RegistryAuthenticationError('https://registry.example', 401, true));
    expect(failure.kind).toBe('authentication');
    expect(failure.reason).toMatch(/^authentication failed: the schema registry at https:\/\/registry.example refused the credentials/);
  });

  it('tells a broker that does not answer', () => {
    const error = new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:9092', { broker: '127.0.0.1:9092', code: 'ECONNREFUSED' });
    expect(classifyConnectionFailure(afterRetries(error))).toEqual({ kind: 'unreachable', reason: 'unreachable (ECONNREFUSED): Connection error: connect ECONNREFUSED 127.0.0.1:9092' });
  });

  it('passes any other error on with its message', () => {
    expect(classifyConnectionFailure(new Error('This server does not host this topic-partition'))).toEqual({ kind: 'other', reason: 'This server does not host this topic-partition' });
  });
});
