import { randomUUID } from 'node:crypto';
import { COMPATIBILITY, SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { startRegistryProcess } from '@test/support/registry-process';
import { testEnvironment } from '@test/support/test-environment';
import { testSchemaRegistry } from '@test/support/test-connection';
import { testKafka } from '@test/support/test-kafka';

const record = (fields: object[]) => JSON.stringify({ type: 'record', name: 'Visit', namespace: 'it.registry', fields });
const V1 = record([{ name: 'id', type: 'string' }]);
const V2 = record([
  { name: 'id', type: 'string' },
  { name: 'page', type: ['null', 'string'], default: null },
]);
const BREAKING = record([
  { name: 'id', type: 'string' },
  { name: 'required_now', type: 'int' },
]);
const avro = (schema: string) => ({ type: SchemaType.AVRO as const, schema });

async function rest(url: string, init?: RequestInit): Promise<{ status: number; body: any }> {
  const response = await fetch(url, {
    ...init,
    headers: { 'Content-Type': 'application/vnd.schemaregistry.v1+json', ...(init?.headers ?? {}) },
  });
  return { status: response.status, body: await response.json() };
}

describe('the local schema registry', () => {
  const env = testEnvironment();
  const client = testSchemaRegistry(env.schemaRegistryUrl);
  const subjects: string[] = [];
  const storageTopics: string[] = [];
  const uniqueSubject = () => {
    subjects.push(`it-${randomUUID()}-value`);
    return subjects[subjects.length - 1];
  };

  // Leave the shared registry and broker as we found them.
  afterAll(async () => {
    for (const subject of subjects) {
      await fetch(`${env.schemaRegistryUrl}/subjects/${subject}`, { method: 'DELETE' });
      await fetch(`${env.schemaRegistryUrl}/subjects/${subject}?permanent=true`, { method: 'DELETE' });
    }
    const admin = testKafka(env.kafkaBrokers).admin();
    await admin.connect();
    await admin.deleteTopics({ topics: storageTopics }).catch(() => undefined);
    await admin.disconnect();
  });

  describe('with the @kafkajs/confluent-schema-registry client', () => {
    it('registers a schema, then encodes and decodes records in the Confluent wire format', async () => {
      const subject = uniqueSubject();
      const { id } = await client.register(avro(V1), { subject });

      const encoded = await client.encode(id, { id: 'visit-1' });
      expect(encoded[0]).toBe(0);
      expect(encoded.readInt32BE(1)).toBe(id);
      await expect(client.decode(encoded)).resolves.toEqual({ id: 'visit-1' });
      await expect(client.getLatestSchemaId(subject)).resolves.toBe(id);
      await expect(client.getRegistryIdBySchema(subject, avro(V1))).resolves.toBe(id);
      await expect(client.getRegistryId(subject, 1)).resolves.toBe(id);
    });

    it('gives one global id to one schema, across re-registrations and subjects', async () => {
      const first = await client.register(avro(V1), { subject: uniqueSubject() });
      const again = await client.register(avro(JSON.stringify(JSON.parse(V1), null, 2)), { subject: uniqueSubject() });
      expect(again.id).toBe(first.id);
    });

    it('defaults to BACKWARD: a compatible change becomes version 2, a breaking one is refused', async () => {
      const subject = uniqueSubject();
      const v1 = await client.register(avro(V1), { subject });
      const v2 = await client.register(avro(V2), { subject });
      expect(v2.id).not.toBe(v1.id);
      await expect(client.register(avro(BREAKING), { subject })).rejects.toThrow(/incompatible/i);

      const versions = await rest(`${env.schemaRegistryUrl}/subjects/${subject}/versions`);
      expect(versions.body).toEqual([1, 2]);
      const config = await rest(`${env.schemaRegistryUrl}/config/${subject}`);
      expect(config.body).toEqual({ compatibilityLevel: COMPATIBILITY.BACKWARD });
    });

    it('decodes old records into a newer reader schema', async () => {
      const subject = uniqueSubject();
      const { id } = await client.register(avro(V1), { subject });
      await client.register(avro(V2), { subject });
      const old = await client.encode(id, { id: 'visit-2' });
      await expect(client.decode(old, { [SchemaType.AVRO]: { readerSchema: JSON.parse(V2) } })).resolves.toEqual({ id: 'visit-2', page: null });
    });
  });

  describe('REST API', () => {
    const base = () => env.schemaRegistryUrl;

    it('serves subjects, versions, schemas by id and types as Confluent does', async () => {
      const subject = uniqueSubject();
      const { id } = await client.register(avro(V1), { subject });

      expect((await rest(`${base()}/subjects`)).body).toContain(subject);
      expect((await rest(`${base()}/subjects/${subject}/versions/latest`)).body).toEqual({ subject, version: 1, id, schema: V1 });
      expect((await rest(`${base()}/schemas/ids/${id}`)).body).toEqual({ schema: V1 });
      expect((await rest(`${base()}/schemas/ids/${id}/versions`)).body).toContainEqual({ subject, version: 1 });
      expect((await rest(`${base()}/schemas/types`)).body).toEqual(['AVRO']);
      expect((await rest(`${base()}/subjects/${subject}/versions/1/schema`)).body).toEqual(JSON.parse(V1));
    });

    it('answers errors with Confluent\'s error codes', async () => {
      const subject = uniqueSubject();
      expect(await rest(`${base()}/subjects/${subject}/versions`)).toMatchObject({ status: 404, body: { error_code: 40401 } });
      await client.register(avro(V1), { subject });
      expect(await rest(`${base()}/subjects/${subject}/versions/9`)).toMatchObject({ status: 404, body: { error_code: 40402 } });
      expect(await rest(`${base()}/subjects/${subject}/versions/zero`)).toMatchObject({ status: 422, body: { error_code: 42202 } });
      expect(await rest(`${base()}/schemas/ids/99999999`)).toMatchObject({ status: 404, body: { error_code: 40403 } });
      expect(await rest(`${base()}/subjects/${subject}/versions`, { method: 'POST', body: JSON.stringify({ schema: '{"type":"nope"}' }) })).toMatchObject({
        status: 422,
        body: { error_code: 42201 },
      });
      expect(await rest(`${base()}/config/${subject}`, { method: 'PUT', body: JSON.stringify({ compatibility: 'SIDEWAYS' }) })).toMatchObject({
        status: 422,
        body: { error_code: 42203 },
      });
    });

    it('checks compatibility without registering, and honours a subject-level level', async () => {
      const subject = uniqueSubject();
      await client.register(avro(V1), { subject });
      const check = (schema: string) =>
        rest(`${base()}/compatibility/subjects/${subject}/versions/latest`, { method: 'POST', body: JSON.stringify({ schema }) });
      expect((await check(V2)).body).toEqual({ is_compatible: true });
      expect((await check(BREAKING)).body).toEqual({ is_compatible: false });

      await rest(`${base()}/config/${subject}`, { method: 'PUT', body: JSON.stringify({ compatibility: 'NONE' }) });
      expect((await check(BREAKING)).body).toEqual({ is_compatible: true });
      expect((await rest(`${base()}/subjects/${subject}/versions`)).body).toEqual([1]);
    });

    it('soft-deletes, then permanently deletes a subject', async () => {
      const subject = uniqueSubject();
      await client.register(avro(V1), { subject });
      expect(await rest(`${base()}/subjects/${subject}?permanent=true`, { method: 'DELETE' })).toMatchObject({ status: 404, body: { error_code: 40405 } });
      expect((await rest(`${base()}/subjects/${subject}`, { method: 'DELETE' })).body).toEqual([1]);
      expect((await rest(`${base()}/subjects`)).body).not.toContain(subject);
      expect((await rest(`${base()}/subjects?deleted=true`)).body).toContain(subject);
      expect((await rest(`${base()}/subjects/${subject}?permanent=true`, { method: 'DELETE' })).body).toEqual([1]);
      expect((await rest(`${base()}/subjects?deleted=true`)).body).not.toContain(subject);
    });
  });

  describe('storage in a compacted Kafka topic', () => {
    it('keeps schemas, versions and ids across a restart of the registry (even after SIGKILL)', async () => {
      const topic = `_schemas-it-${randomUUID()}`;
      storageTopics.push(topic);
      const first = await startRegistryProcess({ brokers: env.kafkaBrokers, topic });
      const firstClient = new SchemaRegistry({ host: first.url });
      const a = await firstClient.register(avro(V1), { subject: 'visits-value' });
      const b = await firstClient.register(avro(V2), { subject: 'visits-value' });
      const c = await firstClient.register(avro(BREAKING), { subject: 'other-value' });
      await first.stop('SIGKILL');

      const second = await startRegistryProcess({ brokers: env.kafkaBrokers, topic });
      try {
        const secondClient = new SchemaRegistry({ host: second.url });
        expect((await rest(`${second.url}/schemas/ids/${a.id}`)).body).toEqual({ schema: V1 });
        expect((await rest(`${second.url}/subjects/visits-value/versions`)).body).toEqual([1, 2]);
        await expect(secondClient.getLatestSchemaId('other-value')).resolves.toBe(c.id);
        await expect(secondClient.register(avro(V2), { subject: 'visits-value' })).resolves.toEqual({ id: b.id });
        const next = await secondClient.register(avro(record([{ name: 'fresh', type: 'long' }])), { subject: 'fresh-value' });
        expect(next.id).toBe(Math.max(a.id, b.id, c.id) + 1);
      } finally {
        await second.stop();
      }
    });
  });
});
