import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Admin, Kafka } from 'kafkajs';
import { Client } from 'pg';
import { stringify } from 'yaml';
import type { SchemaRegistryPort } from '@tracking/contracts';
import { loadCustomerDirectory, type CustomerConfig } from '@tracking/customers';
import { ConfluentSchemaRegistryAdapter } from '@tracking/kafka';
import { MIGRATING_APPS, migrationEntry } from '@tracking/services';
import type { StackConnection } from '@tools/local-stack/local-stack';
import { LOCAL_S3_CREDENTIALS } from '@tools/local-stack/local-s3';
import type { StackPaths } from '@tools/local-stack/stack-paths';
import type { BenchProfile } from './profiles';
import type { ServiceLauncher } from './service-process';
import { benchConnectionEnv, benchKafka, benchRegistrySettings } from './bench-connection';
import { runNode } from './child-node';

/** The database every fresh bench database is copied from, migrated once per run. */
const MIGRATED_TEMPLATE = 'tracking_bench_template';

export interface BenchCustomer {
  id: string;
  /** Bearer token of the server API. */
  token: string;
}

/** Everything a measurement needs: the stack, a database of the bench's own, customers, services. */
export class BenchContext {
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly registry: SchemaRegistryPort;
  readonly hashKey = 'bench-hash-key-0123456789abcdef0123456789';
  readonly adminToken = `bench-admin-${randomBytes(12).toString('hex')}`;

  constructor(
    readonly profile: BenchProfile,
    readonly connection: StackConnection,
    readonly paths: StackPaths,
    /** Scratch space of this run: customers directory, service logs, load generator output. */
    readonly workDir: string,
    readonly services: ServiceLauncher,
    /** Classpath of the stack's Kafka jars, for Kafka's own perf-test tool. */
    readonly kafkaClasspath: string,
    /** Progress on stderr; a measurement reports what it does and how far it is. */
    readonly progress: (message: string) => void,
  ) {
    this.kafka = benchKafka(connection.kafkaBrokers, 'bench');
    this.admin = this.kafka.admin();
    this.registry = new ConfluentSchemaRegistryAdapter(benchRegistrySettings(connection.schemaRegistryUrl));
    mkdirSync(this.customersDir, { recursive: true });
  }

  private readonly memos = new Map<string, Promise<unknown>>();

  /** Runs `measure` once per run: a baseline several rows compare against is measured once. */
  memo<T>(key: string, measure: () => Promise<T>): Promise<T> {
    let value = this.memos.get(key) as Promise<T> | undefined;
    if (!value) {
      value = measure();
      value.then((settled) => this.settled.set(key, settled), () => undefined);
      this.memos.set(key, value);
    }
    return value;
  }

  /** The value a memo holds once `memo(key, ...)` has settled in this run, if it has. */
  memoized<T>(key: string): T | undefined {
    return this.settled.get(key) as T | undefined;
  }

  private readonly settled = new Map<string, unknown>();

  get customersDir(): string {
    return join(this.workDir, 'customers');
  }

  /** The environment every service gets: the stack, the bench's customers and database, quiet logs. */
  serviceEnv(databaseUrl: string): Record<string, string> {
    return {
      ...benchConnectionEnv(),
      KAFKA_BROKERS: this.connection.kafkaBrokers.join(','),
      SCHEMA_REGISTRY_URL: this.connection.schemaRegistryUrl,
      DATABASE_URL: databaseUrl,
      REDIS_URL: this.connection.redisUrl,
      S3_ENDPOINT: this.connection.s3Endpoint,
      LOCAL_S3_ACCESS_KEY_ID: LOCAL_S3_CREDENTIALS.accessKeyId,
      LOCAL_S3_SECRET_ACCESS_KEY: LOCAL_S3_CREDENTIALS.secretAccessKey,
      CUSTOMERS_DIR: this.customersDir,
      CUSTOMERS_WATCH: 'false',
      TRACKING_HASH_KEY: this.hashKey,
      TRACKING_ADMIN_TOKEN: this.adminToken,
      DB_MIGRATE_ON_START: 'false',
      LOG_LEVEL: 'warn',
    };
  }

  /**
   * A customer of the bench with a fresh token, no rate limit in the way, and whatever else the
   * measurement needs in its config.yaml (e.g. an s3_export block) and files beside it.
   */
  writeCustomer(id: string, extra: Record<string, unknown> = {}, files: Record<string, string> = {}): BenchCustomer {
    const token = `ovt_bench_${randomBytes(16).toString('hex')}`;
    const dir = join(this.customersDir, id);
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'config.yaml'),
      stringify({
        customer: { id, name: `Benchmark customer ${id}` },
        technical: { api_rate_limit: 1_000_000_000 },
        compliance: {},
        privacy: { consent_required: false, honor_do_not_track: false },
        tracking: { api_tokens: [{ id: 'bench', sha256: createHash('sha256').update(token).digest('hex') }] },
        ...extra,
      }),
    );
    writeFileSync(join(dir, 'features.yaml'), stringify({ features: { site_tracking: true }, flags: { 'tracking.ingest.enabled': true, 'tracking.automation.enabled': true } }));
    for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
    return { id, token };
  }

  customerConfigExists(id: string): boolean {
    return existsSync(join(this.customersDir, id, 'config.yaml'));
  }

  customerConfig(id: string): CustomerConfig {
    const loaded = loadCustomerDirectory(this.customersDir);
    const customer = loaded.customers.get(id);
    if (!customer) throw new Error(`bench customer ${id} did not load: ${JSON.stringify(loaded.errors)}`);
    return customer;
  }

  /**
   * A database of the bench's own (dropped and created again), with every app's migrations applied.
   * The migrations run once per bench run, into a template that each fresh database is copied from:
   * CREATE DATABASE ... TEMPLATE takes a fraction of a second, three migration processes several.
   */
  async freshDatabase(name: string): Promise<string> {
    const template = await this.memo('database-template', async () => {
      const url = await this.createDatabase(MIGRATED_TEMPLATE);
      for (const app of MIGRATING_APPS) {
        await runNode(join(this.paths.dist, migrationEntry(app)), [], { ...this.services.baseEnv, DATABASE_URL: url, LOG_LEVEL: 'warn' });
      }
      return MIGRATED_TEMPLATE;
    });
    return this.createDatabase(name, template);
  }

  /** Drops a bench database that is too big to leave behind (the replay's vault is several GB). */
  async dropDatabase(name: string): Promise<void> {
    await this.onServer(async (client) => {
      await client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]);
      await client.query(`DROP DATABASE IF EXISTS "${name}"`);
    });
  }

  private async createDatabase(name: string, template?: string): Promise<string> {
    await this.dropDatabase(name);
    await this.onServer((client) => client.query(`CREATE DATABASE "${name}"${template ? ` TEMPLATE "${template}"` : ''}`));
    const url = new URL(this.connection.databaseUrl);
    url.pathname = `/${name}`;
    return url.toString();
  }

  private async onServer<T>(work: (client: Client) => Promise<T>): Promise<T> {
    const server = new URL(this.connection.databaseUrl);
    server.pathname = '/postgres';
    const client = new Client({ connectionString: server.toString() });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  }
}
