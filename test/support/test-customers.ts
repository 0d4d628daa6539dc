import { cpSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes, createHash } from 'node:crypto';
import { stringify } from 'yaml';
import { readCustomerDirectoryTexts } from '@tracking/customers';
import { CustomerStoreClient, type ApplyPlan } from '@tracking/customer-store';
import { ConfluentSchemaRegistryAdapter } from '@tracking/kafka';
import { repositoryRoot } from '@tracking/services';
import { testRegistrySettings } from './test-connection';
import type { TestEnvironment } from './test-environment';
import { testKafka } from './test-kafka';

export interface TestCustomer {
  id: string;
  token: string;
  publishableKey: string;
  origin: string;
}

export interface TestCustomerOptions {
  apiRateLimit?: number;
  /** technical.storage_quota_gb (fractions allowed). */
  storageQuotaGb?: number;
  privacy?: Record<string, unknown>;
  compliance?: Record<string, unknown>;
  features?: Record<string, boolean>;
  flags?: Record<string, boolean>;
  /** The customer's s3_export block (see testS3Export). */
  s3Export?: Record<string, unknown>;
  /** A workflow `drill_landing` firing on page views under /landing/, delivered here, signed with the secret in IT_WEBHOOK_SECRET. */
  landingWebhookUrl?: string;
}

/** An s3_export block on the stack's S3 server, uncompressed JSON Lines unless told, its keys in IT_S3_ACCESS_KEY and IT_S3_SECRET_KEY (EXPORTER_ON_STACK_S3). */
export function testS3Export(options: { clientBucket: string; backupBucket?: string; prefix: string; schedule: 'real-time' | 'hourly' | 'daily'; format?: string }): Record<string, unknown> {
  return {
    client_bucket: options.clientBucket,
    ...(options.backupBucket ? { backup_bucket: options.backupBucket } : {}),
    prefix: options.prefix,
    format: options.format ?? 'json',
    compression: 'none',
    schedule: options.schedule,
    credentials: { access_key: { env: 'IT_S3_ACCESS_KEY' }, secret_key: { env: 'IT_S3_SECRET_KEY' } },
  };
}

/** A customers directory of its own: the example customers plus any the test adds. */
export function customersDirectory(): string {
  const dir = mkdtempSync(join(tmpdir(), 'it-customers-'));
  cpSync(join(repositoryRoot(), 'example-customers', 'configurations'), dir, { recursive: true });
  return dir;
}

/** Writes a customer with a fresh id and token (unique ids keep Redis counters of runs apart). */
export function writeTestCustomer(dir: string, options: TestCustomerOptions = {}, id = `it_${randomBytes(5).toString('hex')}`): TestCustomer {
  const token = `ovt_test_${randomBytes(16).toString('hex')}`;
  const publishableKey = `pk_test_${randomBytes(10).toString('hex')}`;
  const origin = `https://${id.replace(/_/g, '-')}.example`;
  mkdirSync(join(dir, id), { recursive: true });
  writeFileSync(
    join(dir, id, 'config.yaml'),
    stringify({
      customer: { id, name: `Integration test customer ${id}` },
      technical: { api_rate_limit: options.apiRateLimit ?? 100_000, ...(options.storageQuotaGb === undefined ? {} : { storage_quota_gb: options.storageQuotaGb }) },
      compliance: options.compliance ?? {},
      privacy: options.privacy ?? {},
      tracking: {
        api_tokens: [{ id: 'test', sha256: createHash('sha256').update(token).digest('hex') }],
        publishable_keys: [{ key: publishableKey }],
        allowed_origins: [origin],
      },
      ...(options.s3Export ? { s3_export: options.s3Export } : {}),
    }),
  );
  writeFileSync(join(dir, id, 'features.yaml'), stringify({ features: { site_tracking: true, ...options.features }, flags: options.flags ?? {} }));
  if (options.landingWebhookUrl) {
    const landing = { id: 'drill_landing', trigger: 'site_page_view', filters: { url_path: { prefix: '/landing/' } }, webhook: { url: options.landingWebhookUrl, secret_env: 'IT_WEBHOOK_SECRET' } };
    writeFileSync(join(dir, id, 'automations.yaml'), stringify({ workflows: [landing] }));
  }
  return { id, token, publishableKey, origin };
}

/** The stack's own customers (example-customers), which it applies to the shared topic itself. */
const EXAMPLE_CUSTOMERS = new Set(readdirSync(join(repositoryRoot(), 'example-customers', 'configurations')));

/** The tests' client of the shared customer topic, on the test stack. */
export function testCustomerStore(env: Pick<TestEnvironment, 'kafkaBrokers' | 'schemaRegistryUrl'>): CustomerStoreClient {
  return new CustomerStoreClient(testKafka(env.kafkaBrokers, 'integration-test-customers'), new ConfluentSchemaRegistryAdapter(testRegistrySettings(env.schemaRegistryUrl)));
}

/**
 * Publishes a test's customers (those of `dir` that are not the example customers, or only `ids`)
 * to the shared topic tracking.customers.v1, as `tracking customers apply` does. Every test and
 * helper shares that topic: a test applies only its own, uniquely named customers and never
 * removes anyone else's.
 */
export async function applyTestCustomers(env: Pick<TestEnvironment, 'kafkaBrokers' | 'schemaRegistryUrl'>, dir: string, ids?: readonly string[]): Promise<ApplyPlan> {
  const { customers } = readCustomerDirectoryTexts(dir);
  const wanted = new Map([...customers].filter(([id]) => (ids ? ids.includes(id) : !EXAMPLE_CUSTOMERS.has(id))));
  removeAtEnd(env, [...wanted.keys()]);
  return testCustomerStore(env).apply(wanted, { by: 'integration-test', at: Date.now(), via: 'test/support/test-customers.ts' });
}

/** Customers a test applied some other way (through the CLI, say): removed when its file ends, like those applyTestCustomers applies. */
export function removeAtEnd(env: Pick<TestEnvironment, 'kafkaBrokers' | 'schemaRegistryUrl'>, ids: readonly string[]): void {
  const key = JSON.stringify([env.kafkaBrokers, env.schemaRegistryUrl]);
  const mine = applied.get(key) ?? { env, ids: new Set<string>() };
  for (const id of ids) if (!EXAMPLE_CUSTOMERS.has(id)) mine.ids.add(id);
  applied.set(key, mine);
}

/** The customers this test file applied, by stack, so they can be removed when it ends. */
const applied = new Map<string, { env: Pick<TestEnvironment, 'kafkaBrokers' | 'schemaRegistryUrl'>; ids: Set<string> }>();

/**
 * Removes (tombstones) the customers this test file applied and only those, when it ends
 * (test/support/test-customers.cleanup.ts), so the shared topic every later service reads whole
 * does not grow with every run, and no instance of a later test reads workflows naming secrets it
 * was not given.
 */
export async function removeAppliedTestCustomers(): Promise<void> {
  for (const { env, ids } of applied.values()) {
    if (ids.size === 0) continue;
    const store = testCustomerStore(env);
    const present = await store.read();
    await store.remove([...ids].filter((id) => present.has(id)), { by: 'integration-test', at: Date.now(), via: 'test/support/test-customers.ts (end of test file)' });
  }
  applied.clear();
}
