import { randomUUID } from 'node:crypto';
import { TOPIC_DECLARATIONS, readAvroSchema, valueSubject } from '@tracking/contracts';
import { ConfluentSchemaRegistryAdapter, type SchemaRegistration } from '@tracking/kafka';
import { runCli } from '@test/support/cli';
import { gatewayStartFailure, startGatewayProcess } from '@test/support/gateway-process';
import { startRegistryProcess, type RegistryProcess } from '@test/support/registry-process';
import { testEnvironment } from '@test/support/test-environment';
import { testRegistrySettings } from '@test/support/test-connection';
import { testKafka } from '@test/support/test-kafka';

const DECLARED = TOPIC_DECLARATIONS.flatMap((declaration) =>
  declaration.valueSchemaFile ? [{ subject: valueSubject(declaration.name), file: declaration.valueSchemaFile }] : [],
);
const EVENTS_SUBJECT = 'tracking.events.v1-value';

/**
 * Schemas are registered before deploy (provisioning, `tracking schemas register`); services only
 * look theirs up. Each case that needs an empty registry gets a registry process of its own, on a
 * storage topic of its own, so the shared registry is not touched.
 */
describe('schemas registered before deploy', () => {
  const env = testEnvironment();
  const storageTopics: string[] = [];
  const registries: RegistryProcess[] = [];

  const freshRegistry = async (): Promise<RegistryProcess> => {
    const topic = `_schemas-it-${randomUUID()}`;
    storageTopics.push(topic);
    const registry = await startRegistryProcess({ brokers: env.kafkaBrokers, topic });
    registries.push(registry);
    return registry;
  };

  const register = async (registryUrl: string) => {
    const run = await runCli({ ...env, schemaRegistryUrl: registryUrl }, ['--json', 'schemas', 'register']);
    return { ...run, result: run.stdout ? (JSON.parse(run.stdout) as { registered: boolean; subjects: SchemaRegistration[] }) : undefined };
  };

  afterAll(async () => {
    await Promise.all(registries.map((registry) => registry.stop()));
    const admin = testKafka(env.kafkaBrokers).admin();
    await admin.connect();
    await admin.deleteTopics({ topics: storageTopics }).catch(() => undefined);
    await admin.disconnect();
  });

  it("the test stack's provisioning registered every declared schema before the tests started", async () => {
    const registry = new ConfluentSchemaRegistryAdapter(testRegistrySettings(env.schemaRegistryUrl));
    for (const { subject, file } of DECLARED) {
      await expect(registry.find(subject, readAvroSchema(file).text)).resolves.toMatchObject({ subject, id: expect.any(Number) });
    }
  });

  it('`tracking schemas register` registers every declared schema once (--json), and changes nothing the second time', async () => {
    const registry = await freshRegistry();
    const first = await register(registry.url);
    expect({ code: first.code, stderr: first.stderr }).toEqual({ code: 0, stderr: '' });
    expect(first.result?.registered).toBe(true);
    expect(first.result?.subjects.map(({ subject, file, action, version }) => ({ subject, file, action, version }))).toEqual(
      DECLARED.map(({ subject, file }) => ({ subject, file, action: 'registered', version: 1 })),
    );

    const second = await register(registry.url);
    expect(second.code).toBe(0);
    expect(second.result?.subjects.map(({ subject, action, id, version }) => ({ subject, action, id, version }))).toEqual(
      first.result?.subjects.map(({ subject, id, version }) => ({ subject, action: 'unchanged', id, version })),
    );
    const versions = await fetch(`${registry.url}/subjects/${EVENTS_SUBJECT}/versions`).then((response) => response.json());
    expect(versions).toEqual([1]);
  });

  it('a service refuses to start against a registry without its schema, naming the subject; it starts once the schemas are registered', async () => {
    const registry = await freshRegistry();
    const refused = await gatewayStartFailure(env, { SCHEMA_REGISTRY_URL: registry.url });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`has no subject ${EVENTS_SUBJECT}`);
    expect(refused.stderr).toContain('schemas/avro/tracking-event.v1.avsc is not registered');
    expect(refused.stderr).toContain('tracking schemas register');
    // The service looked up and registered nothing.
    expect(await fetch(`${registry.url}/subjects`).then((response) => response.json())).toEqual([]);

    expect((await register(registry.url)).code).toBe(0);
    const gateway = await startGatewayProcess(env, { SCHEMA_REGISTRY_URL: registry.url });
    expect(await gateway.stop()).toBe(0);
  });

  it('refuses a schema incompatible with the latest version: the CLI exits 1 and the service will not start, both naming subject and version', async () => {
    const registry = await freshRegistry();
    // A subject whose version 1 the events schema cannot read (BACKWARD, the registry's default).
    const foreign = JSON.stringify({ type: 'record', name: 'Foreign', namespace: 'it.schemas', fields: [{ name: 'n', type: 'long' }] });
    const put = await fetch(`${registry.url}/subjects/${EVENTS_SUBJECT}/versions`, {
      method: 'POST',
      headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
      body: JSON.stringify({ schema: foreign }),
    });
    expect(put.status).toBe(200);

    const run = await register(registry.url);
    expect(run.code).toBe(1);
    expect(run.result?.registered).toBe(false);
    expect(run.result?.subjects.find((subject) => subject.subject === EVENTS_SUBJECT)).toMatchObject({ action: 'incompatible', latestVersion: 1, id: null });
    expect(run.stderr).toContain(`schemas/avro/tracking-event.v1.avsc is incompatible with version 1 of ${EVENTS_SUBJECT}`);
    // The other subjects are registered all the same.
    expect(run.result?.subjects.filter((subject) => subject.action === 'registered')).toHaveLength(DECLARED.length - 1);

    const refused = await gatewayStartFailure(env, { SCHEMA_REGISTRY_URL: registry.url });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`subject ${EVENTS_SUBJECT} has versions 1 and none is this schema: it is incompatible with version 1`);
  });
});
