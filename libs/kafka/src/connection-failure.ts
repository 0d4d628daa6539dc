/**
 * Why a connection to the cluster or the registry failed, in the words /readyz and the logs use:
 * an operator must tell "wrong credentials" and "certificate not trusted" from "nothing answers"
 * without reading a stack trace (issue 16). None of these ends the service: it keeps trying.
 */
export type ConnectionFailureKind = 'authentication' | 'tls' | 'unreachable' | 'other';

export interface ConnectionFailure {
  kind: ConnectionFailureKind;
  /** One line for /readyz and the logs, e.g. `authentication failed (SASL): ...`. Holds no secret. */
  reason: string;
}

/** Node's (OpenSSL's) codes for a certificate the client does not trust or that does not fit the host. */
export const TLS_ERROR_CODES: ReadonlySet<string> = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REVOKED',
  'CERT_SIGNATURE_FAILURE',
  'HOSTNAME_MISMATCH',
]);

const UNREACHABLE_CODES: ReadonlySet<string> = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'ECONNRESET']);

/** kafkajs's names for "no broker answered" (as opposed to a broker refusing a request). */
const KAFKA_UNREACHABLE_NAMES: ReadonlySet<string> = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSBrokerNotFound',
  'KafkaJSNoBrokerAvailableError',
  'KafkaJSRequestTimeoutError',
]);

interface ErrorLike {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  cause?: unknown;
  originalError?: unknown;
}

/** The error and what it wraps: kafkajs keeps the first failure in `originalError` or `cause` (KafkaJSNumberOfRetriesExceeded), fetch in `cause`. */
export function errorChain(error: unknown): ErrorLike[] {
  const chain: ErrorLike[] = [];
  let current: unknown = error;
  while (typeof current === 'object' && current !== null && chain.length < 10 && !chain.includes(current as ErrorLike)) {
    const link = current as ErrorLike;
    chain.push(link);
    current = link.originalError ?? link.cause;
  }
  return chain;
}

function codeOf(link: ErrorLike): string | undefined {
  return typeof link.code === 'string' ? link.code : undefined;
}

function isTlsCode(code: string): boolean {
  return TLS_ERROR_CODES.has(code) || code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_');
}

function messageOf(link: ErrorLike): string {
  return typeof link.message === 'string' ? link.message : String(link);
}

export function classifyConnectionFailure(error: unknown): ConnectionFailure {
  const chain = errorChain(error);
  const sasl = chain.find((link) => link.name === 'KafkaJSSASLAuthenticationError');
  if (sasl) return { kind: 'authentication', reason: `authentication failed (SASL): ${messageOf(sasl)}` };
  const registryAuth = chain.find((link) => link.name === 'RegistryAuthenticationError');
  if (registryAuth) return { kind: 'authentication', reason: messageOf(registryAuth) };
  const tls = chain.find((link) => {
    const code = codeOf(link);
    return code !== undefined && isTlsCode(code);
  });
  if (tls) return { kind: 'tls', reason: `TLS: certificate not accepted (${codeOf(tls)}): ${messageOf(tls)}` };
  const unreachable = chain.find((link) => {
    const code = codeOf(link);
    return (code !== undefined && UNREACHABLE_CODES.has(code)) || (typeof link.name === 'string' && KAFKA_UNREACHABLE_NAMES.has(link.name));
  });
  if (unreachable) {
    const code = codeOf(unreachable);
    return { kind: 'unreachable', reason: `unreachable${code ? ` (${code})` : ''}: ${messageOf(unreachable)}` };
  }
  return { kind: 'other', reason: chain.length > 0 ? messageOf(chain[0]) : String(error) };
}
