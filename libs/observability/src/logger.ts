import pino, { type Logger } from 'pino';
import type { LoggerService } from '@nestjs/common';
import { redactedUrl } from '@tracking/config';

export type { Logger } from 'pino';

/**
 * Structured JSON logs, one object a line. Header values that carry credentials are redacted even
 * if a caller logs a whole request by mistake.
 */
export function createLogger(service: string, level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service },
      messageKey: 'message',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACTED_PATHS, censor: censorSecret },
    },
    destination,
  );
}

/** Fields that hold a secret wherever a settings object (a service's config, KafkaSettings, RegistrySettings) is logged, up to three levels down. */
const SECRET_FIELDS = ['password', 'token', 'authorization', 'hashKey', 'adminTokenSha256', 'databaseUrl', 'redisUrl', 'sasl.password', 'basicAuth.password', 'tls.key'];
const REDACTED_PATHS = [
  '*.headers.authorization',
  '*.headers["x-admin-token"]',
  ...SECRET_FIELDS.flatMap((field) => [field, `*.${field}`, `*.*.${field}`, `*.*.*.${field}`]),
];

/** Connection URLs keep where they point (useful in a log) and lose their password; anything else is replaced whole. */
function censorSecret(value: unknown): unknown {
  return typeof value === 'string' && value.includes('://') ? redactedUrl(value) : '[redacted]';
}

/** Routes Nest's own log lines into the JSON logger. */
export class JsonNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  private write(level: pino.Level, message: unknown, params: unknown[]): void {
    // Nest passes the context as the last string parameter, and a stack before it for errors.
    const context = typeof params[params.length - 1] === 'string' ? (params.pop() as string) : undefined;
    const stack = typeof params[0] === 'string' ? (params[0] as string) : undefined;
    const fields = { context, ...(stack ? { stack } : {}) };
    if (message instanceof Error) this.logger[level]({ ...fields, err: message }, message.message);
    else if (typeof message === 'object' && message !== null) this.logger[level]({ ...fields, ...message });
    else this.logger[level](fields, String(message));
  }
}
