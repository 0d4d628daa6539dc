import pino from 'pino';
import { Registry } from 'prom-client';
import { ErasureBook, subjectHash, type ErasureList } from '@tracking/privacy';
import { AutomationMetrics } from '../automation.metrics';
import type { AutomationTriggerConfig } from '../config/automation-trigger.config';
import type { TriggerPublisher } from '../outbox/trigger.publisher';
import type { DueDelivery, TriggerRepository } from '../triggers/trigger.repository';
import type { WorkflowCatalog } from '../workflows/workflow-catalog';
import { WebhookDispatcher } from './webhook.dispatcher';

const DELIVERY: DueDelivery = {
  trigger: {
    trigger_id: 't1',
    idempotency_key: 'k1',
    customer_id: 'acme',
    workflow_id: 'new_workflow',
    trigger_type: 'site_page_view',
    event_id: 'e1',
    event_type: 'page_view',
    event_name: null,
    session_id: 's1',
    visitor_id: null,
    page_url: 'https://acme.example/pricing/1',
    occurred_at: 0,
    properties: '{}',
  },
  webhookUrl: 'http://127.0.0.1:9/hooks',
  attempts: 0,
  firedAt: new Date(0),
  subject: { visitorHk: null, userHk: null },
};

function setup(retrySchedule: number[], erasures = new ErasureBook()): { sut: WebhookDispatcher; settle: jest.Mock; cancel: jest.Mock } {
  const settle = jest.fn(async () => undefined);
  const cancel = jest.fn(async () => undefined);
  const config = { delivery: { retrySchedule, timeoutMs: 1000, perEndpointConcurrency: 1, concurrency: 1, pollMs: 100 } } as AutomationTriggerConfig;
  const catalog = { webhook: () => undefined } as unknown as WorkflowCatalog;
  const repository = { settle, cancel } as unknown as TriggerRepository;
  const list = { requests: erasures.requests.bind(erasures) } as unknown as ErasureList;
  const publisher = { wake: () => undefined } as unknown as TriggerPublisher;
  const sut = new WebhookDispatcher(config, pino({ level: 'silent' }), repository, catalog, publisher, new AutomationMetrics(new Registry()), list);
  return { sut, settle, cancel };
}

/** The one attempt of `deliver`, private: what leaseAndSend runs for each leased delivery. */
const deliver = (sut: WebhookDispatcher, delivery: DueDelivery): Promise<void> => (sut as unknown as { deliver(d: DueDelivery): Promise<void> }).deliver(delivery);

describe(WebhookDispatcher.name, () => {
  describe('when the workflow of a trigger is unknown on this instance', () => {
    it('tries again under the retry schedule: another instance may have loaded a workflow this one has not yet', async () => {
      const { sut, settle } = setup([5000, 60_000]);
      await deliver(sut, DELIVERY);
      expect(settle).toHaveBeenCalledWith('t1', 1, expect.objectContaining({ delivered: false, retryInMs: expect.any(Number), error: expect.stringContaining('not loaded yet') }));
    });

    it('dead-letters it once the schedule is spent, as a workflow removed for good', async () => {
      const { sut, settle } = setup([5000]);
      await deliver(sut, { ...DELIVERY, attempts: 1 });
      expect(settle).toHaveBeenCalledWith('t1', 2, expect.objectContaining({ delivered: false, retryInMs: undefined }));
    });
  });

  describe('when the subject of a leased trigger was erased before the erasure reached its row', () => {
    it('sends nothing and cancels the delivery', async () => {
      const book = new ErasureBook();
      book.apply('r1', { request_id: 'r1', customer_id: 'acme', requested_at: 1, requested_by: 'test', visitor_hks: [], user_hks: [subjectHash('acme', 'u1')] });
      const { sut, settle, cancel } = setup([5000], book);
      await deliver(sut, { ...DELIVERY, subject: { visitorHk: subjectHash('acme', 'v1'), userHk: subjectHash('acme', 'u1') } });
      expect(cancel).toHaveBeenCalledWith('t1');
      expect(settle).not.toHaveBeenCalled();
    });
  });
});
