import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { TOPICS } from '@tracking/contracts';
import { TopicCustomerSource, type CustomerChange } from '@tracking/customer-store';
import { ConfluentSchemaRegistryAdapter } from '@tracking/kafka';
import { runCli } from '@test/support/cli';
import { testRegistrySettings } from '@test/support/test-connection';
import { applyTestCustomers, removeAtEnd, testCustomerStore, writeTestCustomer } from '@test/support/test-customers';
import { testEnvironment } from '@test/support/test-environment';
import { testKafka } from '@test/support/test-kafka';
import { waitFor } from '@test/support/wait-for';

describe(`the shared customer configuration (${TOPICS.customers})`, () => {
  const env = testEnvironment();
  const sources: TopicCustomerSource[] = [];
  const follower = (): TopicCustomerSource => {
    const source = new TopicCustomerSource(testKafka(env.kafkaBrokers, 'it-customers'), new ConfluentSchemaRegistryAdapter(testRegistrySettings(env.schemaRegistryUrl)), pino({ level: 'silent' }), {
      readerName: 'it-customer-store',
    });
    sources.push(source);
    return source;
  };

  afterAll(async () => {
    await Promise.all(sources.map((source) => source.stop()));
  });

  it('is read whole at start, then followed: an applied customer, its change and its removal reach a running reader', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'it-customer-store-'));
    const first = writeTestCustomer(dir);
    await applyTestCustomers(env, dir);

    const sut = follower();
    const changes: CustomerChange[] = [];
    sut.onChange((batch) => changes.push(...batch));
    expect(sut.ready).toBe(false);
    await expect(sut.check()).rejects.toThrow(/not read yet/);
    await sut.start();
    expect(sut.ready).toBe(true);
    await expect(sut.check()).resolves.toBeUndefined();
    // Read whole: the customer applied before the reader started is there, and the example customers the stack applied.
    expect(sut.documents().get(first.id)).toMatchObject({ applied_by: 'integration-test', changed_files: ['config.yaml', 'features.yaml'] });
    expect(sut.documents().has('one_spa')).toBe(true);
    expect(changes.map((change) => change.customerId)).toContain(first.id);

    writeTestCustomer(dir, { apiRateLimit: 77 }, first.id);
    const second = writeTestCustomer(dir);
    const plan = await applyTestCustomers(env, dir);
    expect(plan.customers.map((customer) => [customer.customerId, customer.action]).sort()).toEqual([[first.id, 'updated'], [second.id, 'created']].sort());
    await waitFor(async () => sut.documents().get(first.id)?.config_yaml ?? '', (text) => text.includes('api_rate_limit: 77'), { what: 'the change on the reader' });
    await waitFor(async () => sut.documents().has(second.id), Boolean, { what: 'the new customer on the reader' });

    await testCustomerStore(env).remove([second.id], { by: 'integration-test', at: Date.now(), via: 'test' });
    await waitFor(async () => sut.documents().has(second.id), (present) => !present, { what: 'the removal on the reader' });
    expect(changes.filter((change) => change.customerId === second.id).map((change) => (change.documents ? 'set' : 'removed'))).toEqual(['set', 'removed']);

    // Applying the same documents again publishes nothing.
    const again = await applyTestCustomers(env, dir, [first.id]);
    expect(again.records).toEqual([]);
  });

  describe('tracking customers apply', () => {
    it('refuses a directory with an invalid customer, naming file and field, and publishes none of it', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'it-customers-cli-'));
      const good = writeTestCustomer(dir);
      const bad = writeTestCustomer(dir);
      writeFileSync(join(dir, bad.id, 'config.yaml'), `customer:\n  id: ${bad.id}\n  name: ""\ntechnical:\n  api_rate_limit: 0\n`);
      const run = await runCli(env, ['--json', 'customers', 'apply', dir, '--by', 'alice']);
      expect(run.code).toBe(1);
      expect(JSON.parse(run.stdout)).toEqual({
        applied: false,
        problems: {
          [bad.id]: [`${bad.id}/config.yaml: customer.name must be a non-empty string`, `${bad.id}/config.yaml: technical.api_rate_limit must be an integer of at least 1`],
        },
      });
      expect(run.stderr).toContain('nothing applied');
      expect((await testCustomerStore(env).read()).has(good.id)).toBe(false);
    });

    it('publishes the changed customers only, with who and when, and lists them', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'it-customers-cli-'));
      const customer = writeTestCustomer(dir);
      removeAtEnd(env, [customer.id]);
      const first = await runCli(env, ['--json', 'customers', 'apply', dir, '--by', 'alice']);
      expect(first.code).toBe(0);
      const report = JSON.parse(first.stdout) as { published: number; appliedBy: string; customers: Array<{ customerId: string; action: string; changedFiles: string[] }> };
      expect(report.appliedBy).toBe('alice');
      expect(report.customers.find((c) => c.customerId === customer.id)).toEqual({ customerId: customer.id, action: 'created', changedFiles: ['config.yaml', 'features.yaml'] });
      expect(report.published).toBe(1);

      writeFileSync(join(dir, customer.id, 'automations.yaml'), 'workflows: []\n');
      const second = JSON.parse((await runCli(env, ['--json', 'customers', 'apply', dir, '--by', 'bob'])).stdout) as typeof report;
      expect(second.customers.find((c) => c.customerId === customer.id)).toMatchObject({ action: 'updated', changedFiles: ['automations.yaml'], previouslyAppliedBy: 'alice' });
      expect(second.published).toBe(1);

      const list = JSON.parse((await runCli(env, ['--json', 'customers', 'list'])).stdout) as { customers: Array<{ customerId: string; appliedBy: string; appliedVia: string; files: string[] }> };
      expect(list.customers.find((c) => c.customerId === customer.id)).toMatchObject({
        appliedBy: 'bob',
        appliedVia: 'tracking customers apply',
        files: ['config.yaml', 'features.yaml', 'automations.yaml'],
      });
    });
  });
});
