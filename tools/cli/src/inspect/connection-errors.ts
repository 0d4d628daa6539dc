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
  if (error instanceof CliError || !isKafkaConnectionFailure(error)) return error;
  return new CliError(
    `cannot reach Kafka at ${brokers.join(',')}: ${(error as Error).message}`,
    `${STACK_HINT}, or point --brokers (or KAFKA_BROKERS) at a running cluster.`,
  );
}

/** fetch() fails with a TypeError whose cause holds the socket error (ECONNREFUSED, ENOTFOUND, timeouts). */
export function registryUnreachable(url: string, error: unknown): CliError {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : (error as Error).message;
  return new CliError(
    `cannot reach the schema registry at ${url}: ${cause}`,
    `${STACK_HINT}, or point --registry (or SCHEMA_REGISTRY_URL) at a running registry.`,
  );
}
