import { EnvReader, type Env } from './env-reader';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;
export type SaslMechanism = (typeof SASL_MECHANISMS)[number];

/** TLS towards the brokers; PEM contents, read from the files the settings name. */
export interface KafkaTlsSettings {
  ca?: string;
  cert?: string;
  key?: string;
}

export interface KafkaSaslSettings {
  mechanism: SaslMechanism;
  username: string;
  password: string;
}

export interface KafkaSettings {
  brokers: string[];
  clientId: string;
  /** Set: connect over TLS. Unset: plaintext. */
  tls?: KafkaTlsSettings;
  sasl?: KafkaSaslSettings;
}

export interface RegistrySettings {
  url: string;
  /** PEM of the CA that signed an https registry's certificate, when not a public one. */
  ca?: string;
  /** Basic auth, as Confluent Cloud and Karapace take it. */
  basicAuth?: { username: string; password: string };
}

/**
 * Settings every service reads the same way; documented once in the README ("Production
 * deployment"). `KAFKA_SSL` is implied by any TLS file.
 */
export function readKafkaSettings(env: EnvReader, clientId: string): KafkaSettings {
  const prefix = env.string('KAFKA_CLIENT_ID_PREFIX', '');
  const settings: KafkaSettings = {
    brokers: env.hostPorts('KAFKA_BROKERS', '127.0.0.1:9092'),
    clientId: env.string('KAFKA_CLIENT_ID', `${prefix}${clientId}`),
  };
  const tls: KafkaTlsSettings = {
    ca: env.optionalFile('KAFKA_SSL_CA_FILE'),
    cert: env.optionalFile('KAFKA_SSL_CERT_FILE'),
    key: env.optionalFile('KAFKA_SSL_KEY_FILE'),
  };
  if ((tls.cert === undefined) !== (tls.key === undefined)) {
    env.problem('KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE go together (mutual TLS needs both)');
  }
  const anyTlsFile = [tls.ca, tls.cert, tls.key].some((value) => value !== undefined);
  if (env.boolean('KAFKA_SSL', anyTlsFile)) settings.tls = tls;

  const mechanism = env.optionalString('KAFKA_SASL_MECHANISM');
  const username = env.optionalString('KAFKA_SASL_USERNAME');
  const password = env.optionalSecret('KAFKA_SASL_PASSWORD');
  if (mechanism !== undefined) {
    const chosen = env.oneOf('KAFKA_SASL_MECHANISM', SASL_MECHANISMS, 'plain');
    if (username === undefined) env.problem(`KAFKA_SASL_USERNAME is required with KAFKA_SASL_MECHANISM=${mechanism}`);
    if (password === undefined) env.problem(`KAFKA_SASL_PASSWORD or KAFKA_SASL_PASSWORD_FILE is required with KAFKA_SASL_MECHANISM=${mechanism}`);
    settings.sasl = { mechanism: chosen, username: username ?? '', password: password ?? '' };
  } else if (username !== undefined || password !== undefined) {
    env.problem('KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD need KAFKA_SASL_MECHANISM (plain, scram-sha-256 or scram-sha-512)');
  }
  return settings;
}

/**
 * `<PREFIX>_USERNAME` with `<PREFIX>_PASSWORD` (or `<PREFIX>_PASSWORD_FILE`): both or neither.
 * The registry's clients and the registry itself read their basic auth this way.
 */
export function readBasicAuth(env: EnvReader, prefix: string): { username: string; password: string } | undefined {
  const username = env.optionalString(`${prefix}_USERNAME`);
  const password = env.optionalSecret(`${prefix}_PASSWORD`);
  if ((username === undefined) !== (password === undefined)) {
    env.problem(`${prefix}_USERNAME and ${prefix}_PASSWORD (or ${prefix}_PASSWORD_FILE) go together`);
    return undefined;
  }
  return username !== undefined && password !== undefined ? { username, password } : undefined;
}

export function readRegistrySettings(env: EnvReader): RegistrySettings {
  const settings: RegistrySettings = { url: env.url('SCHEMA_REGISTRY_URL', 'http://127.0.0.1:8081') };
  const ca = env.optionalFile('SCHEMA_REGISTRY_CA_FILE');
  if (ca !== undefined) settings.ca = ca;
  const basicAuth = readBasicAuth(env, 'SCHEMA_REGISTRY');
  if (basicAuth) settings.basicAuth = basicAuth;
  return settings;
}

export function readLogLevel(env: EnvReader): LogLevel {
  return env.oneOf('LOG_LEVEL', LOG_LEVELS, 'info');
}

/** The embedded PostgreSQL of the local stack; README documents this URL. */
export const EMBEDDED_DATABASE_URL = 'postgres://postgres:postgres@127.0.0.1:54329/tracking';

export function readDatabaseUrl(env: EnvReader): string {
  return env.url('DATABASE_URL', EMBEDDED_DATABASE_URL, ['postgres:', 'postgresql:']);
}

/** What every service reads: where it listens, how it logs, where Kafka and the registry are. */
export interface ServiceSettings {
  host: string;
  port: number;
  logLevel: LogLevel;
  kafka: KafkaSettings;
  registry: RegistrySettings;
}

export function readServiceSettings(
  env: EnvReader,
  service: string,
  listen: { portVariable: string; port: number; host: string },
): ServiceSettings {
  return {
    host: env.string('HOST', listen.host),
    port: env.port(listen.portVariable, listen.port),
    logLevel: readLogLevel(env),
    kafka: readKafkaSettings(env, service),
    registry: readRegistrySettings(env),
  };
}

/**
 * What an app's migration entry reads: only the database and the log level, so that migrating
 * (`npm run migrate`, an init container) needs none of the service's other settings or secrets.
 */
export function loadMigrationSettings(app: string, env: Env): { databaseUrl: string; logLevel: LogLevel } {
  const reader = new EnvReader(app, env);
  const settings = { databaseUrl: readDatabaseUrl(reader), logLevel: readLogLevel(reader) };
  reader.done();
  return settings;
}

/**
 * How long a consumer group waits for a member that stopped heartbeating (a SIGKILLed instance)
 * before giving its partitions to the others: the pause a crash costs the group. 8 s keeps that
 * pause under ~10 s while a slow slice (the transport heartbeats between slices) stays well inside
 * it; brokers refuse less than their group.min.session.timeout.ms (6 s by default).
 */
export function readSessionTimeoutMs(env: EnvReader, variable: string): number {
  return env.integer(variable, 8_000, { min: 6000, max: 300_000 });
}

/** How much one consumer fetches from Kafka at once, in bytes of the records as they arrive. */
export interface ConsumerFetchSettings {
  /** One fetch response, all partitions of a broker together (kafkajs maxBytes). */
  maxBytes: number;
  /** One partition's share of it (kafkajs maxBytesPerPartition). */
  maxBytesPerPartition: number;
}

const KIB = 1024;

/**
 * A consumer holds a whole fetch response, every record of it decoded by kafkajs, until its handler
 * has gone through all of them; during a catch-up every fetch is full. The bounds are therefore the
 * main part of a consumer's memory budget: 4 MiB of records of about 550 bytes is some 7,600 records
 * (each also decoded into objects), while 1 MiB of a partition still covers the transport's slice of
 * 2,000 records. A record larger than the bound is still fetched, alone.
 */
export function readConsumerFetchSettings(env: EnvReader): ConsumerFetchSettings {
  const maxBytes = env.integer('KAFKA_FETCH_MAX_KB', 4096, { min: 64, max: 65_536 }) * KIB;
  const maxBytesPerPartition = env.integer('KAFKA_FETCH_PARTITION_MAX_KB', 1024, { min: 64, max: 65_536 }) * KIB;
  if (maxBytesPerPartition > maxBytes) env.problem(`KAFKA_FETCH_PARTITION_MAX_KB (${maxBytesPerPartition / KIB}) must not exceed KAFKA_FETCH_MAX_KB (${maxBytes / KIB})`);
  return { maxBytes, maxBytesPerPartition };
}
