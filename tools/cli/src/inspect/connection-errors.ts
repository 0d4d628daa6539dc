import { classifyConnectionFailure, RegistryAuthenticationError, RegistryUnreachableError, TLS_ERROR_CODES } from '@tracking/kafka';
import { CliError } from '../cli-error';

export const STACK_HINT = 'Start the local stack with `npm run stack:up` (check it with `npm run stack:status`)';

/** kafkajs errors that mean "no broker answered", as opposed to a broker refusing a request. */
const KAFKA_CONNECTION_ERRORS = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSBrokerNotFound',
  'KafkaJSNoBrokerAvailableError',
  'KafkaJSRequestTimeoutError',
]);

/** Errors along the cause chain: kafkajs wraps the connection error in KafkaJSNumberOfRetriesExceeded. */
function causes(error: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let current = error; current instanceof Error && chain.length < 10; ) {
    chain.push(current);
    const next: unknown = (current as Error & { originalError?: unknown }).originalError ?? current.cause;
    if (next === current) break;
    current = next;
  }
  return chain;
}

export function isKafkaConnectionFailure(error: unknown): boolean {
  return causes(error).some((cause) => cause instanceof Error && KAFKA_CONNECTION_ERRORS.has(cause.name));
}

/** Turns "no broker answered" into an error that says where we looked and what to do; anything else passes through. */
export function explainKafkaFailure(error: unknown, brokers: readonly string[]): unknown {
  if (error instanceof CliError) return error;
  const failure = classifyConnectionFailure(error);
  if (failure.kind === 'authentication') {
    return new CliError(`Kafka at ${brokers.join(',')} refused the connection: ${failure.reason}`, 'Check KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD (or KAFKA_SASL_PASSWORD_FILE).');
  }
  if (failure.kind === 'tls') {
    return new CliError(`cannot connect to Kafka at ${brokers.join(',')}: ${failure.reason}`, 'Set KAFKA_SSL_CA_FILE to the CA that signed the brokers\' certificates, and check the host names in KAFKA_BROKERS.');
  }
  if (!isKafkaConnectionFailure(error)) return error;
  return new CliError(
    `cannot reach Kafka at ${brokers.join(',')}: ${(error as Error).message}`,
    `${STACK_HINT}, or point --brokers (or KAFKA_BROKERS) at a running cluster.`,
  );
}

/** fetch() fails with a TypeError whose cause holds the socket error (ECONNREFUSED, ENOTFOUND, timeouts). */
export function registryUnreachable(url: string, error: unknown): CliError {
  if (error instanceof RegistryAuthenticationError) {
    return new CliError(error.message, 'Check SCHEMA_REGISTRY_USERNAME and SCHEMA_REGISTRY_PASSWORD (or SCHEMA_REGISTRY_PASSWORD_FILE).');
  }
  if (error instanceof RegistryUnreachableError && error.code !== undefined && TLS_ERROR_CODES.has(error.code)) {
    return new CliError(
      `cannot reach the schema registry at ${url}: TLS: ${error.reason}`,
      'Set SCHEMA_REGISTRY_CA_FILE to the CA that signed the registry\'s certificate, and check the host name in the URL.',
    );
  }
  const cause =
    error instanceof RegistryUnreachableError ? error.reason : error instanceof Error && error.cause instanceof Error ? error.cause.message : (error as Error).message;
  return new CliError(
    `cannot reach the schema registry at ${url}: ${cause}`,
    `${STACK_HINT}, or point --registry (or SCHEMA_REGISTRY_URL) at a running registry.`,
  );
}
