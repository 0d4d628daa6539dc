import pino from 'pino';
import { Registry } from 'prom-client';
import { TOPICS, type AutomationTrigger } from '@tracking/contracts';
import type { ConfluentSchemaRegistryAdapter, ServicePublisher } from '@tracking/kafka';
import { ErasureBook, subjectHash, type ErasureList } from '@tracking/privacy';
import { AutomationMetrics } from '../automation.metrics';
import type { AutomationTriggerConfig } from '../config/automation-trigger.config';
import type { OutboxEntry, TriggerRepository } from '../triggers/trigger.repository';
import { TriggerPublisher } from './trigger.publisher';

const trigger = (id: string, visitorId: string): AutomationTrigger => ({
  trigger_id: id,
  idempotency_key: `k-${id}`,
  customer_id: 'acme',
  workflow_id: 'w',
  trigger_type: 'site_page_view',
  event_id: `e-${id}`,
  event_type: 'page_view',
  event_name: null,
  session_id: null,
  visitor_id: visitorId,
  page_url: null,
  occurred_at: 0,
  properties: '{}',
});

const entry = (id: string, visitorId: string): OutboxEntry => ({
  trigger: trigger(id, visitorId),
  lastError: 'HTTP 503',
  attempts: 3,
  subject: { visitorHk: subjectHash('acme', visitorId), userHk: null },
});

function setup() {
  const book = new ErasureBook();
  book.apply('r1', { request_id: 'r1', customer_id: 'acme', requested_at: 1, requested_by: 'test', visitor_hks: [subjectHash('acme', 'gone')], user_hks: [] });
  const sent: Array<{ topic: string; keys: string[] }> = [];
  const publisher = { send: async (topic: string, messages: Array<{ key: string }>) => void sent.push({ topic, keys: messages.map((message) => message.key) }) } as unknown as ServicePublisher;
  const repository = {
    publishPending: async (_kind: string, _limit: number, publish: (entries: OutboxEntry[]) => Promise<void>) => {
      const entries = [entry('1', 'gone'), entry('2', 'kept')];
      await publish(entries);
      return entries.length;
    },
  } as unknown as TriggerRepository;
  const config = { delivery: { pollMs: 1000 } } as AutomationTriggerConfig;
  const sut = new TriggerPublisher(publisher, {} as ConfluentSchemaRegistryAdapter, config, pino({ level: 'silent' }), repository, new AutomationMetrics(new Registry()), {
    requests: book.requests.bind(book),
  } as unknown as ErasureList);
  // The Avro writer, without a registry: the key is what this test reads.
  (sut as unknown as { writer: unknown }).writer = { toMessage: (value: AutomationTrigger) => ({ key: value.idempotency_key, value: Buffer.alloc(0), headers: {} }) };
  return { sut, sent };
}

describe(TriggerPublisher.name, () => {
  describe('when an outbox entry belongs to an erased subject', () => {
    it('publishes it neither to the trigger topic nor to the dead-letter topic, and the others as usual', async () => {
      const { sut, sent } = setup();
      await (sut as unknown as { publishSome(): Promise<boolean> }).publishSome();
      expect(sent).toEqual([
        { topic: TOPICS.automationTriggers, keys: ['k-2'] },
        { topic: TOPICS.automationTriggerDeadLetter, keys: ['k-2'] },
      ]);
    });
  });
});
