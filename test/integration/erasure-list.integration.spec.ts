import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { TOPICS, type ErasureRequestRecord } from '@tracking/contracts';
import { ConfluentSchemaRegistryAdapter } from '@tracking/kafka';
import { ErasureList, ErasurePublisher, ErasureReporter, ErasureReports, erasureStatus, subjectHash } from '@tracking/privacy';
import { testRegistrySettings } from '@test/support/test-connection';
import { testEnvironment } from '@test/support/test-environment';
import { testKafka } from '@test/support/test-kafka';
import { waitFor } from '@test/support/wait-for';

describe(`the platform's erasure list (${TOPICS.privacyErasures}, ${TOPICS.privacyErasureReports})`, () => {
  const env = testEnvironment();
  const kafka = () => testKafka(env.kafkaBrokers, 'it-erasure-list');
  const registry = () => new ConfluentSchemaRegistryAdapter(testRegistrySettings(env.schemaRegistryUrl));
  const logger = pino({ level: 'silent' });
  const stoppers: Array<() => Promise<void>> = [];
  afterAll(async () => {
    await Promise.all(stoppers.map((stop) => stop()));
  });
  const list = (): ErasureList => {
    const reader = new ErasureList(kafka(), registry(), logger, { readerName: 'it-erasure-list' });
    stoppers.push(() => reader.stop());
    return reader;
  };

  it('reaches every reader, read whole at start or followed live, and the reports give a status per place', async () => {
    const customerId = `it-erasure-${randomUUID().slice(0, 8)}`;
    const publisher = new ErasurePublisher(kafka(), registry());
    const reporter = new ErasureReporter(kafka(), registry());
    stoppers.push(() => publisher.disconnect(), () => reporter.disconnect());
    const request = (visitorId: string): ErasureRequestRecord => ({
      request_id: randomUUID(),
      customer_id: customerId,
      requested_at: Date.now(),
      requested_by: 'integration-test',
      visitor_hks: [subjectHash(customerId, visitorId)],
      user_hks: [],
    });
    const before = request('visitor-before');
    await publisher.publish(before);

    const first = list();
    const heard: string[] = [];
    first.onRequest((entry, { initial }) => void heard.push(`${entry.request_id}:${initial}`));
    expect(first.ready).toBe(false);
    await expect(first.check()).rejects.toThrow(/not read yet/);
    await first.start();
    expect(first.ready).toBe(true);
    expect(first.isErased(customerId, { visitorId: 'visitor-before' })).toBe(true);
    expect(first.isErased(customerId, { visitorId: 'someone-else' })).toBe(false);

    const after = request('visitor-after');
    await publisher.publish(after);
    expect(await first.refresh()).toBe(true);
    expect(first.isErased(customerId, { visitorId: 'visitor-after' })).toBe(true);
    await first.listenersIdle();
    expect(heard).toContain(`${before.request_id}:true`);
    expect(heard).toContain(`${after.request_id}:false`);

    // A second reader (another instance) reads both at start.
    const second = list();
    await second.start();
    expect(second.requests(customerId).map((entry) => entry.request_id)).toEqual([before.request_id, after.request_id]);

    const reports = new ErasureReports(kafka(), registry(), logger, { readerName: 'it-erasure-list' });
    stoppers.push(() => reports.stop());
    await reports.start();
    await reporter.report({ request_id: before.request_id, customer_id: customerId, place: 'vault', instance: 'it', state: 'done', found: 3, removed: 3, finished_at: Date.now(), detail: null });
    await waitFor(async () => reports.forRequest(before.request_id).length, (count) => count === 1, { what: 'the report on the follower' });
    const status = erasureStatus(before, reports.forRequest(before.request_id));
    expect(status.places.vault).toMatchObject({ state: 'done', found: 3, removed: 3 });
    expect(status.places.exporter.state).toBe('pending');
  });
});
