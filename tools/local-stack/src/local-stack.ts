import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { Client } from 'pg';
import { EmbeddedPostgres } from './embedded-postgres';
import { createBuckets, exampleBuckets } from './example-buckets';
import { KafkaCluster } from './kafka-cluster';
import { LocalSchemaRegistry } from './local-registry';
import { LocalRedis, redisAnswers } from './local-redis';
import { LocalS3 } from './local-s3';
import { sleep } from './process-control';
import { Progress } from './progress';
import { applyCustomerDirectory, provision, type ProvisioningReport } from './provisioning';
import { stackPaths, type StackPaths } from './stack-paths';
import { localHashKey } from './local-hash-key';
import { writeStackEnv } from './stack-env';
import { ensureStackTls, saslSslListener, stackCredentials, type StackCredentials, type StackTls } from './stack-secrets';
import type { KafkaSettings, RegistrySettings } from '@tracking/config';
import type { StackSettings } from './stack-settings';

export interface ComponentStatus {
  name: string;
  state: 'running' | 'stopped' | 'external' | 'unreachable';
  address: string;
  pid?: number;
  log?: string;
}

export interface UpResult {
  /** Components this call started (the rest were already running or external). */
  started: string[];
  provisioning: ProvisioningReport;
  connection: StackConnection;
  /** The client settings of what runs, in shell syntax (see stack-env.ts). */
  stackEnvFile: string;
}

/** How services and tests reach the stack. */
export interface StackConnection {
  kafkaBrokers: string[];
  /** Set when the brokers' listener is SASL_SSL: the CA that signed them and the services' SCRAM user. */
  kafkaSecurity?: { caFile: string; mechanism: 'scram-sha-512'; username: string; password: string };
  schemaRegistryUrl: string;
  /** Set when the registry takes basic auth. */
  registryAuth?: { username: string; password: string };
  databaseUrl: string;
  redisUrl: string;
  /** The stack's own S3 server, or S3_ENDPOINT when that is set. */
  s3Endpoint: string;
  /** The gateway's TRACKING_HASH_KEY, which `tracking backfill` must share. */
  hashKey: string;
}

/**
 * A broker that has just created a topic may answer for a moment that it does not lead its partition
 * yet (the bench's fresh stack saw ListOffsets fail so); kafkajs marks such errors retriable.
 */
async function retriedWhileTransient<T>(work: () => Promise<T>, attempts = 10): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= attempts || (error as { retriable?: unknown }).retriable !== true) throw error;
      await sleep(500);
    }
  }
}

/** Kafka, the schema registry, PostgreSQL, Redis and S3 for development and tests, started in dependency order. */
export class LocalStack {
  readonly paths: StackPaths;
  readonly kafka: KafkaCluster;
  readonly registry: LocalSchemaRegistry;
  readonly postgres?: EmbeddedPostgres;
  readonly redis?: LocalRedis;
  readonly s3?: LocalS3;

  constructor(
    private readonly settings: StackSettings,
    private readonly progress = new Progress(),
    /** Another stack directory may share the Kafka jars already resolved (see StackPaths.kafkaLibs). */
    paths: StackPaths = stackPaths(settings.stackDir),
  ) {
    this.paths = paths;
    const secured = settings.kafka.security === 'sasl_ssl';
    this.kafka = new KafkaCluster(this.paths, settings.kafka, progress, secured ? () => saslSslListener(this.secrets().tls, this.secrets().credentials) : undefined);
    this.registry = new LocalSchemaRegistry(this.paths, settings.registry, this.kafka.bootstrap, progress, () => this.registryAccess());
    if (!settings.externalRedisUrl) this.redis = new LocalRedis(this.paths, settings.redis.port, progress);
    if (!settings.externalS3Endpoint) this.s3 = new LocalS3(this.paths, settings.s3, progress);
    if (!settings.externalDatabaseUrl) {
      this.postgres = new EmbeddedPostgres(this.paths, new URL(settings.embeddedDatabaseUrl), progress);
    }
  }

  private secretsMade?: { tls: StackTls; credentials: StackCredentials };

  /** The CA, certificates and passwords of a secured stack: made on first use, then read from the stack directory. */
  private secrets(): { tls: StackTls; credentials: StackCredentials } {
    this.secretsMade ??= { tls: ensureStackTls(this.paths.stackDir), credentials: stackCredentials(this.paths.stackDir) };
    return this.secretsMade;
  }

  private get secured(): boolean {
    return this.settings.kafka.security === 'sasl_ssl';
  }

  /** What the registry process needs of a secured stack: the services' Kafka user and its own basic auth. */
  private registryAccess(): { env: Record<string, string>; basicAuth?: { username: string; password: string } } {
    if (!this.secured) return { env: {} };
    const { tls, credentials } = this.secrets();
    return {
      env: {
        KAFKA_SSL: 'true',
        KAFKA_SSL_CA_FILE: tls.caFile,
        KAFKA_SASL_MECHANISM: 'scram-sha-512',
        KAFKA_SASL_USERNAME: credentials.kafkaClient.username,
        KAFKA_SASL_PASSWORD: credentials.kafkaClient.password,
        SCHEMA_REGISTRY_SERVER_USERNAME: credentials.registry.username,
        SCHEMA_REGISTRY_SERVER_PASSWORD: credentials.registry.password,
      },
      basicAuth: credentials.registry,
    };
  }

  /** The stack's own admin client settings (provisioning): the admin user of a secured cluster. */
  get adminKafkaSettings(): KafkaSettings {
    const settings: KafkaSettings = { brokers: this.kafka.bootstrap, clientId: 'provisioning' };
    if (!this.secured) return settings;
    const { tls, credentials } = this.secrets();
    return { ...settings, ...saslSslListener(tls, credentials).client };
  }

  get registrySettings(): RegistrySettings {
    const access = this.registryAccess();
    return access.basicAuth ? { url: this.registry.url, basicAuth: access.basicAuth } : { url: this.registry.url };
  }

  get connection(): StackConnection {
    const secrets = this.secured ? this.secrets() : undefined;
    return {
      ...(secrets && {
        kafkaSecurity: { caFile: secrets.tls.caFile, mechanism: 'scram-sha-512' as const, ...secrets.credentials.kafkaClient },
        registryAuth: secrets.credentials.registry,
      }),
      kafkaBrokers: this.kafka.bootstrap,
      schemaRegistryUrl: this.registry.url,
      databaseUrl: this.settings.externalDatabaseUrl ?? this.settings.embeddedDatabaseUrl,
      redisUrl: this.settings.externalRedisUrl ?? this.redis?.url ?? '',
      s3Endpoint: this.settings.externalS3Endpoint ?? this.s3?.url ?? '',
      hashKey: this.settings.hashKey ?? localHashKey(this.paths),
    };
  }

  async up(): Promise<UpResult> {
    mkdirSync(this.paths.logs, { recursive: true });
    mkdirSync(this.paths.run, { recursive: true });
    const started: string[] = [];
    const note = (name: string, outcome: 'started' | 'running', address: string): void => {
      if (outcome === 'started') started.push(name);
      this.progress.step(`${name}: ${outcome === 'started' ? 'started' : 'already running'} at ${address}`);
    };
    // The database, Redis and S3 do not depend on Kafka; start all four before waiting on any.
    const [postgres, kafka, redis, s3] = await Promise.all([this.postgres?.up(), this.kafka.up(), this.redis?.up(), this.s3?.up()]);
    if (postgres) note('postgres', postgres, `127.0.0.1:${this.postgres?.port}`);
    else this.progress.step(`postgres: using DATABASE_URL (${redact(this.connection.databaseUrl)})`);
    if (redis) note('redis', redis, this.connection.redisUrl);
    else this.progress.step(`redis: using REDIS_URL (${redact(this.connection.redisUrl)})`);
    if (s3) note('s3', s3, this.connection.s3Endpoint);
    else this.progress.step(`s3: using S3_ENDPOINT (${redact(this.connection.s3Endpoint)}); no buckets are created there`);
    note('kafka', kafka, this.kafka.bootstrap.join(','));
    note('schema-registry', await this.registry.up(), this.registry.url);

    const provisioning = await this.provision();
    if (this.s3) await this.createExampleBuckets(this.s3.url);
    const stackEnvFile = writeStackEnv(this.paths.stackDir, this.connection);
    this.progress.step(`client settings: ${stackEnvFile} (\`set -a; . ${stackEnvFile}; set +a\`)`);
    return { started, provisioning, connection: this.connection, stackEnvFile };
  }

  /**
   * Customers' buckets are theirs to create. The exception: those of the example customers'
   * `s3_export` blocks, on the stack's own server only, so that `npm start` exports out of the box.
   */
  private async createExampleBuckets(endpoint: string): Promise<void> {
    const { buckets, problems } = exampleBuckets(resolve(this.paths.root, this.settings.customersDir));
    for (const problem of problems) this.progress.step(`buckets: skipped ${problem}`);
    for (const report of await createBuckets(endpoint, buckets)) this.progress.step(`bucket ${report.bucket}: ${report.action}`);
  }

  /** Topics and schemas from the declaration in libs/contracts. */
  async provision(): Promise<ProvisioningReport> {
    const provisioning = await provision(this.adminKafkaSettings, this.registrySettings, {
      partitions: this.settings.kafka.topicPartitions,
      replicationFactor: this.settings.kafka.topicReplicationFactor,
      minInsyncReplicas: this.settings.kafka.topicMinInsyncReplicas,
    });
    for (const topic of provisioning.topics) {
      this.progress.step(`topic ${topic.topic}: ${topic.action}${topic.changes.length ? ` (${topic.changes.join(', ')})` : ''}`);
      for (const warning of topic.warnings) this.progress.step(`topic ${topic.topic}: ! ${warning}`);
    }
    for (const schema of provisioning.schemas) {
      this.progress.step(`schema ${schema.subject}: ${schema.action}, version ${schema.version} (id ${schema.id})`);
    }
    // The services read customers from the shared topic: the stack applies its customers there, as an operator would.
    const directory = resolve(this.paths.root, this.settings.customersDir);
    for (const customer of await retriedWhileTransient(() => applyCustomerDirectory(this.adminKafkaSettings, this.registrySettings, directory, 'local-stack'))) {
      this.progress.step(`customer ${customer.customerId}: ${customer.action}${customer.changedFiles.length ? ` (${customer.changedFiles.join(', ')})` : ''}`);
    }
    return provisioning;
  }

  /** Stops what is running, dependants first. Only the named components when given. */
  async down(only?: readonly string[]): Promise<string[]> {
    const wanted = (name: string): boolean => !only || only.includes(name);
    const stopped: string[] = [];
    if (wanted('schema-registry') && (await this.registry.down())) stopped.push('schema-registry');
    if (wanted('kafka')) {
      if (await this.kafka.down()) stopped.push('kafka');
    } else {
      for (const node of this.kafka.nodes) if (wanted(node.process.name) && (await node.down())) stopped.push(node.process.name);
    }
    if (wanted('postgres') && this.postgres && (await this.postgres.down())) stopped.push('postgres');
    if (wanted('redis') && this.redis && (await this.redis.down())) stopped.push('redis');
    if (wanted('s3') && this.s3 && (await this.s3.down())) stopped.push('s3');
    for (const name of stopped) this.progress.step(`${name}: stopped`);
    return stopped;
  }

  async status(): Promise<ComponentStatus[]> {
    const registryPid = this.registry.process.pid();
    const statuses: ComponentStatus[] = [];
    for (const node of this.kafka.nodes) {
      const pid = node.process.pid();
      statuses.push({
        name: node.process.name,
        state: pid ? ((await node.answers()) ? 'running' : 'unreachable') : 'stopped',
        address: node.bootstrap,
        pid,
        log: node.process.logFile,
      });
    }
    statuses.push(
      {
        name: 'schema-registry',
        state: registryPid ? ((await this.registry.answers()) ? 'running' : 'unreachable') : 'stopped',
        address: this.registry.url,
        pid: registryPid,
        log: this.registry.process.logFile,
      },
    );
    const redisUrl = new URL(this.connection.redisUrl);
    const redisUp = await redisAnswers(redisUrl.hostname, Number(redisUrl.port || 6379));
    const redisPid = this.redis?.process.pid();
    statuses.push({
      name: 'redis',
      state: redisUp ? (redisPid ? 'running' : 'external') : 'stopped',
      address: redact(this.connection.redisUrl),
      pid: redisPid,
    });
    if (this.postgres) {
      const pid = this.postgres.pid();
      statuses.push({
        name: 'postgres',
        state: pid ? ((await databaseAnswers(this.connection.databaseUrl)) ? 'running' : 'unreachable') : 'stopped',
        address: redact(this.connection.databaseUrl),
        pid,
      });
    } else {
      const reachable = await databaseAnswers(this.connection.databaseUrl);
      statuses.push({ name: 'postgres', state: reachable ? 'external' : 'unreachable', address: redact(this.connection.databaseUrl) });
    }
    statuses.push(await this.s3Status());
    return statuses;
  }

  private async s3Status(): Promise<ComponentStatus> {
    if (!this.s3) {
      const address = redact(this.connection.s3Endpoint);
      // Any HTTP answer will do: S3 and MinIO refuse an anonymous GET / with 403.
      const reachable = await fetch(this.connection.s3Endpoint, { signal: AbortSignal.timeout(2000) }).then(
        async (response) => {
          await response.body?.cancel();
          return true;
        },
        () => false,
      );
      return { name: 's3', state: reachable ? 'external' : 'unreachable', address };
    }
    const pid = this.s3.process.pid();
    return {
      name: 's3',
      state: pid ? ((await this.s3.answers()) ? 'running' : 'unreachable') : 'stopped',
      address: this.s3.url,
      pid,
      log: this.s3.process.logFile,
    };
  }
}

async function databaseAnswers(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

function redact(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}
