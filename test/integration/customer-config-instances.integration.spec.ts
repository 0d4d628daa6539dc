import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml, stringify } from 'yaml';
import { TOPICS } from '@tracking/contracts';
import { startAppProcess, type AppProcess } from '@test/support/app-process';
import { startGatewayProcess, type GatewayProcess } from '@test/support/gateway-process';
import { EXPORTER_ON_STACK_S3, TEST_ADMIN_TOKEN, exporterSettings, startAutomationTrigger, type RunningService } from '@test/support/in-process-services';
import { applyTestCustomers, customersDirectory, testCustomerStore, writeTestCustomer } from '@test/support/test-customers';
import { testEnvironment } from '@test/support/test-environment';
import { waitFor } from '@test/support/wait-for';

/**
 * Issue 17, "one configuration for all instances": several instances of a service read the shared
 * customer topic, and a change applied once is in force on every one of them within seconds,
 * without a restart. Prints how long each took.
 */
describe(`one customer configuration for every instance (${TOPICS.customers})`, () => {
  const env = testEnvironment();
  const customersDir = customersDirectory();
  const measured: string[] = [];
  const gateways: GatewayProcess[] = [];
  const triggers: RunningService[] = [];
  let exporter: AppProcess | undefined;

  /** Applies the test's customers and returns how long until `inForce` holds (ms). */
  const applyAndTime = async (ids: string[], inForce: () => Promise<boolean>, what: string): Promise<number> => {
    const began = Date.now();
    await applyTestCustomers(env, customersDir, ids);
    await waitFor(inForce, Boolean, { what, timeoutMs: 15_000, intervalMs: 25 });
    const ms = Date.now() - began;
    measured.push(`${what}: ${ms} ms`);
    return ms;
  };

  const track = (gateway: GatewayProcess, customerId: string, token: string): Promise<number> =>
    fetch(`${gateway.url}/api/v1/track`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Customer-ID': customerId, Authorization: `Bearer ${token}` },
      body: JSON.stringify({ event_type: 'page_view', page_url: 'https://instances.example/', event_data: { session_id: `s-${randomUUID()}` } }),
    }).then((response) => response.status);

  afterAll(async () => {
    process.stdout.write(`\none configuration, apply to in force on every instance:\n${measured.map((line) => `  ${line}`).join('\n')}\n`);
    await Promise.all([...gateways.map((gateway) => gateway.stop()), ...triggers.map((service) => service.close()), exporter?.stop()]);
  });

  it('two gateways both serve a customer applied once, and both switch to its new token within seconds', async () => {
    gateways.push(await startGatewayProcess(env), await startGatewayProcess(env));
    const customer = writeTestCustomer(customersDir);
    const answers = (token: string) => Promise.all(gateways.map((gateway) => track(gateway, customer.id, token)));
    const accepted = async (token: string, status: number) => (await answers(token)).every((answer) => answer === status);

    // Unknown to both before it is applied.
    expect(await answers(customer.token)).toEqual([404, 404]);
    await applyAndTime([customer.id], () => accepted(customer.token, 200), 'a new customer accepted by both gateways');

    // The token rotated: the new one works on both and the old one on neither.
    const token = `ovt_test_${randomBytes(16).toString('hex')}`;
    const file = join(customersDir, customer.id, 'config.yaml');
    const config = parseYaml(readFileSync(file, 'utf8')) as { tracking: { api_tokens: Array<Record<string, string>> } };
    config.tracking.api_tokens = [{ id: 'rotated', sha256: createHash('sha256').update(token).digest('hex') }];
    writeFileSync(file, stringify(config));
    await applyAndTime([customer.id], async () => (await accepted(token, 200)) && (await accepted(customer.token, 401)), 'a rotated token in force on both gateways');

    // Removed: refused by both.
    const began = Date.now();
    await testCustomerStore(env).remove([customer.id], { by: 'integration-test', at: Date.now(), via: 'test' });
    await waitFor(() => accepted(token, 404), Boolean, { what: 'the removal on both gateways', timeoutMs: 15_000, intervalMs: 25 });
    measured.push(`a removed customer refused by both gateways: ${Date.now() - began} ms`);
  });

  it("a workflow saved through one automation trigger's admin API is in force on another at once, and recorded with who saved it", async () => {
    const groupId = `it-config-instances-${randomUUID()}`;
    triggers.push(await startAutomationTrigger(env, groupId, undefined), await startAutomationTrigger(env, groupId, undefined));
    const [a, b] = triggers as [RunningService, RunningService];
    const { id } = writeTestCustomer(customersDir);
    await applyTestCustomers(env, customersDir, [id]);
    const admin = (service: RunningService, init: RequestInit = {}) =>
      fetch(`${service.url}/api/v1/automations/${id}/workflows`, { ...init, headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json', 'x-applied-by': 'alice' } });

    const workflow = { id: 'new_pricing_page', trigger: 'site_page_view', filters: { url_path: '/pricing' } };
    const began = Date.now();
    const saved = await admin(a, { method: 'PUT', body: JSON.stringify({ workflows: [workflow] }) });
    expect(saved.status).toBe(200);
    await waitFor(async () => ((await (await admin(b)).json()) as { workflows: Array<{ id: string }> }).workflows.map((w) => w.id), (ids) => ids.includes('new_pricing_page'), {
      what: 'the workflow on the other instance',
      timeoutMs: 15_000,
      intervalMs: 25,
    });
    measured.push(`a workflow saved on one automation trigger, in force on the other: ${Date.now() - began} ms`);

    const record = (await testCustomerStore(env).read()).get(id);
    expect(record).toMatchObject({ applied_by: 'alice (admin token)', changed_files: ['automations.yaml'] });
    expect(record?.applied_via).toMatch(new RegExp(`^PUT /api/v1/automations/${id}/workflows from `));
    expect(parseYaml(record?.automations_yaml ?? '')).toEqual({ workflows: [workflow] });
  });

  it("the exporter applies a customer's changed export format without a restart", async () => {
    exporter = await startAppProcess('exporter', 'EXPORTER_PORT', exporterSettings(env, `it-config-instances-${randomUUID()}`, undefined, { ...EXPORTER_ON_STACK_S3 }));
    const running = exporter;
    const { id } = writeTestCustomer(customersDir);
    const file = join(customersDir, id, 'config.yaml');
    const withExport = (format: string): void => {
      const config = parseYaml(readFileSync(file, 'utf8')) as Record<string, unknown>;
      config['s3_export'] = { client_bucket: `it-${id.replace(/_/g, '-')}`, format, schedule: 'daily', credentials: { access_key: { env: 'IT_S3_ACCESS_KEY' }, secret_key: { env: 'IT_S3_SECRET_KEY' } } };
      writeFileSync(file, stringify(config));
    };
    const formatOf = async (): Promise<string | undefined> => {
      const response = await fetch(`${running.url}/api/v1/export/config?customer_id=${id}`, { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } });
      if (response.status !== 200) return undefined;
      return ((await response.json()) as { customers: Array<{ format: string }> }).customers[0]?.format;
    };
    await waitFor(() => fetch(`${running.url}/readyz`).then((response) => response.status), (status) => status === 200, { what: 'the exporter ready', timeoutMs: 30_000 });
    withExport('jsonl');
    await applyAndTime([id], async () => (await formatOf()) === 'jsonl', 'a new export target on the exporter');
    withExport('csv');
    await applyAndTime([id], async () => (await formatOf()) === 'csv', 'a changed export format on the exporter');
  });
});
