import { Registry } from 'prom-client';
import type { TrackingEvent } from '@tracking/contracts';
import type { Workflow } from '@tracking/customers';
import type { ConsumerBatch } from '@tracking/kafka';
import { ErasureBook, subjectHash, type ErasureList } from '@tracking/privacy';
import { AutomationMetrics } from '../automation.metrics';
import type { WebhookDispatcher } from '../delivery/webhook.dispatcher';
import type { TriggerPublisher } from '../outbox/trigger.publisher';
import type { NewTrigger, TriggerRepository } from '../triggers/trigger.repository';
import type { WorkflowCatalog } from '../workflows/workflow-catalog';
import { TriggerMatcher } from './trigger.matcher';

const WORKFLOW: Workflow = { customerId: 'acme', workflowId: 'any_page', trigger: 'site_page_view', properties: [], webhook: { url: 'http://127.0.0.1:9/hooks', secrets: [] } };

function event(visitorId: string, userId: string | null, n: number): TrackingEvent {
  return {
    event_id: `e-${visitorId}-${n}`,
    customer_id: 'acme',
    event_type: 'page_view',
    event_name: null,
    page_url: 'https://acme.example/',
    referrer: null,
    occurred_at: 1_700_000_000_000 + n,
    received_at: 1_700_000_000_000 + n,
    sent_at: null,
    session_id: `s-${visitorId}`,
    visitor_id: visitorId,
    user_id: userId,
    location_id: null,
    consent_state: null,
    ip_address: null,
    user_agent: null,
    event_data: '{}',
    utm_source: null,
    utm_medium: null,
    utm_campaign: null,
    utm_term: null,
    utm_content: null,
    batch_id: null,
    source: 'api',
    referrer_domain: null,
    security_score: null,
    suspicious: false,
    key_id: null,
    library_name: null,
    library_version: null,
    site_id: null,
  };
}

function setup(erased: { visitors?: string[]; users?: string[] }) {
  const book = new ErasureBook();
  book.apply('r1', {
    request_id: 'r1',
    customer_id: 'acme',
    requested_at: 1,
    requested_by: 'test',
    visitor_hks: (erased.visitors ?? []).map((id) => subjectHash('acme', id)),
    user_hks: (erased.users ?? []).map((id) => subjectHash('acme', id)),
  });
  const recorded: NewTrigger[] = [];
  const catalog = { enabled: () => true, workflows: { match: () => [WORKFLOW] } } as unknown as WorkflowCatalog;
  const repository = { record: async (triggers: NewTrigger[]) => (recorded.push(...triggers), triggers.length) } as unknown as TriggerRepository;
  const wake = { wake: () => undefined };
  const erasures = { isErased: book.isErased.bind(book) } as unknown as ErasureList;
  const metrics = new AutomationMetrics(new Registry());
  const sut = new TriggerMatcher(catalog, repository, wake as unknown as TriggerPublisher, wake as unknown as WebhookDispatcher, metrics, erasures);
  return { sut, recorded, metrics };
}

const batchOf = (events: TrackingEvent[]) => ({ records: events.map((value) => ({ value })) }) as unknown as ConsumerBatch<TrackingEvent>;

describe(TriggerMatcher.name, () => {
  describe('when a subject is erased', () => {
    it("fires nothing for its visitor's or its user's events, and fires the others' with their subject hashes", async () => {
      const { sut, recorded, metrics } = setup({ visitors: ['gone'], users: ['u-gone'] });
      await sut.match(batchOf([event('gone', null, 1), event('other-device', 'u-gone', 2), event('kept', 'u-kept', 3)]));

      expect(recorded.map((item) => item.trigger.visitor_id)).toEqual(['kept']);
      expect(recorded[0]?.subject).toEqual({ visitorHk: subjectHash('acme', 'kept'), userHk: subjectHash('acme', 'u-kept') });
      expect((await metrics.erasedSkipped.get()).values[0]?.value).toBe(2);
    });
  });
});
