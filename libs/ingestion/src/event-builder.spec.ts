import { SEED_000_EVENTS } from '@test/fixtures/seed-000-examples';
import { buildTrackingEvent, type EventContext } from './event-builder';
import { DEFAULT_INGESTION_LIMITS } from './ingestion-limits';
import type { ValidTrackRequest } from './track-request';
import { validateTrackRequest } from './track-request.validator';

const RECEIVED = Date.parse('2024-12-28T10:30:00Z');
const context: EventContext = {
  customerId: 'one_spa',
  receivedAt: RECEIVED,
  ipAddress: '203.0.113.0/24',
  userAgent: 'Mozilla/5.0',
  source: 'api',
  batchId: null,
  keyId: 'dev',
  siteId: null,
  securityScore: 100,
  suspicious: false,
};

function valid(body: unknown, receivedAt = RECEIVED): ValidTrackRequest {
  const result = validateTrackRequest(body, DEFAULT_INGESTION_LIMITS, receivedAt);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.value;
}

describe(buildTrackingEvent.name, () => {
  it('builds the event of seed 000\'s basic page view', () => {
    const sut = buildTrackingEvent(valid(SEED_000_EVENTS.basicPageView), context);
    expect(sut).toMatchObject({
      customer_id: 'one_spa',
      event_type: 'page_view',
      page_url: 'https://onespa.com/services/massage-therapy',
      session_id: 'sess_spa_customer_123',
      location_id: 'spa_downtown_location',
      occurred_at: RECEIVED,
      received_at: RECEIVED,
      ip_address: '203.0.113.0/24',
      source: 'api',
    });
    expect(JSON.parse(sut.event_data)).toEqual(SEED_000_EVENTS.basicPageView.event_data);
  });

  it('takes UTM parameters from the page URL first, then from event_data', () => {
    const sut = buildTrackingEvent(
      valid({ event_type: 'page_view', page_url: 'https://a.example/?utm_source=google&utm_medium=cpc', event_data: { utm_source: 'x', utm_campaign: 'spring' } }),
      context,
    );
    expect(sut).toMatchObject({ utm_source: 'google', utm_medium: 'cpc', utm_campaign: 'spring', utm_term: null });
  });

  it('corrects occurred_at for client clock skew but keeps the event id of the client\'s own time', () => {
    const body = { event_type: 'x', session_id: 's', occurred_at: '2024-12-28T11:29:58Z' };
    const firstTry = buildTrackingEvent(valid({ ...body, sent_at: '2024-12-28T11:30:00Z' }), context);
    const retry = buildTrackingEvent(valid({ ...body, sent_at: '2024-12-28T11:30:05Z' }, RECEIVED + 6000), { ...context, receivedAt: RECEIVED + 6000 });
    expect(firstTry.occurred_at).toBe(RECEIVED - 2000);
    expect(retry.event_id).toBe(firstTry.event_id);
  });

  it('derives the referrer domain', () => {
    const sut = buildTrackingEvent(valid({ event_type: 'page_view', referrer: 'https://www.Google.com/search?q=spa' }), context);
    expect(sut.referrer_domain).toBe('google.com');
  });

  it('keeps the client\'s own event id', () => {
    expect(buildTrackingEvent(valid({ event_type: 'x', event_id: 'evt-123' }), context).event_id).toBe('evt-123');
  });
});
