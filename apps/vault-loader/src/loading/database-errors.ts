/**
 * Whether a database error is about the database (unreachable, restarting, out of connections, or a
 * deadlock or serialization failure between concurrent batches), when retrying the same batch later
 * will work, rather than about the data in it.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  const { code, severity, message } = (error ?? {}) as { code?: unknown; severity?: unknown; message?: unknown };
  if (severity === 'FATAL') return true;
  if (typeof code === 'string' && (/^(08|57P0|53|40001|40P01)/.test(code) || ['3D000', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE'].includes(code))) return true;
  return typeof message === 'string' && /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/.test(message);
}
