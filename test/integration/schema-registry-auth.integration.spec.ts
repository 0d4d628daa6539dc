import { randomUUID } from 'node:crypto';
import { RegistryRestClient } from '@tools/cli/inspect/registry-rest.client';
import { ConfluentSchemaRegistryAdapter, RegistryAuthenticationError } from '@tracking/kafka';
import { runCli } from '@test/support/cli';
import { startRegistryProcess, type RegistryProcess } from '@test/support/registry-process';
import { testEnvironment } from '@test/support/test-environment';
import { testKafka } from '@test/support/test-kafka';

const SCHEMA = JSON.stringify({ type: 'record', name: 'Visit', namespace: 'it.registry.auth', fields: [{ name: 'id', type: 'string' }] });

/**
 * The project's registry with basic auth on (SCHEMA_REGISTRY_SERVER_USERNAME / _PASSWORD), and the
 * platform's registry clients against it: the adapter (fetch and the Confluent library) and the CLI.
 */
describe('the local schema registry with basic auth', () => {
  const env = testEnvironment();
  const topic = `_schemas-it-auth-${randomUUID()}`;
  const auth = { username: 'it-registry', password: `it-secret-${randomUUID()}` };
  let registry: RegistryProcess;

  beforeAll(async () => {
    registry = await startRegistryProcess({ brokers: env.kafkaBrokers, topic, auth });
  });

  afterAll(async () => {
    await registry?.stop();
    const admin = testKafka(env.kafkaBrokers).admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('refuses a request without credentials with 401 and a Confluent-style body', async () => {
    const response = await fetch(`${registry.url}/subjects`);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Basic/);
    expect(await response.json()).toEqual({ error_code: 401, message: 'Unauthorized' });
  });

  it('serves a client with the right credentials, through its own requests and the Confluent library', async () => {
    const sut = new ConfluentSchemaRegistryAdapter({ url: registry.url, basicAuth: auth });
    await sut.ping();
    const registered = await sut.register('visits-value', SCHEMA);
    await expect(sut.lookup('visits-value', SCHEMA)).resolves.toBe(registered.id);
    // typeById goes through @kafkajs/confluent-schema-registry, not our fetch.
    await expect(sut.typeById(registered.id)).resolves.toBeDefined();
  });

  it('takes credentials written into the URL, and never prints them', async () => {
    const withCredentials = new URL(registry.url);
    withCredentials.username = auth.username;
    withCredentials.password = auth.password;
    const sut = new ConfluentSchemaRegistryAdapter({ url: withCredentials.toString() });
    await sut.ping();
    expect(sut.url).not.toContain(auth.password);
  });

  it.each([
    ['wrong credentials', { url: '', basicAuth: { username: 'it-registry', password: 'not-the-password' } }, /refused the credentials \(HTTP 401\)/],
    ['no credentials', { url: '' }, /requires credentials \(HTTP 401\)/],
  ])('tells %s apart from an outage, naming the settings to check', async (_case, settings, reason) => {
    const sut = new ConfluentSchemaRegistryAdapter({ ...settings, url: registry.url });
    const failure = await sut.ping().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(RegistryAuthenticationError);
    expect((failure as Error).message).toMatch(/^authentication failed: the schema registry at http:\/\/127\.0\.0\.1:\d+ /);
    expect((failure as Error).message).toMatch(reason);
    expect((failure as Error).message).toContain('SCHEMA_REGISTRY_PASSWORD');
    await expect(sut.register('visits-value', SCHEMA)).rejects.toThrow(RegistryAuthenticationError);
  });

  it("is read by the CLI with SCHEMA_REGISTRY_USERNAME / _PASSWORD, and a refusal says so without the password", async () => {
    const right = await runCli(env, ['--registry', registry.url, '--json', 'schemas', 'list'], { SCHEMA_REGISTRY_USERNAME: auth.username, SCHEMA_REGISTRY_PASSWORD: auth.password });
    expect(right.stderr).toBe('');
    expect(right.code).toBe(0);

    const wrong = await runCli(env, ['--registry', registry.url, 'schemas', 'list'], { SCHEMA_REGISTRY_USERNAME: auth.username, SCHEMA_REGISTRY_PASSWORD: 'wrong-password-123' });
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toMatch(/401/);
    expect(wrong.stderr).toContain('SCHEMA_REGISTRY_USERNAME');
    expect(`${wrong.stdout}${wrong.stderr}`).not.toContain('wrong-password-123');
  });

  it('keeps the REST client used by `tracking schemas` on the same credentials', async () => {
    const sut = new RegistryRestClient({ url: registry.url, basicAuth: auth });
    await expect(sut.subjects()).resolves.toContain('visits-value');
  });
});
