import type { AutomationTrigger } from '@tracking/contracts';
import { verdictOf, webhookBody } from './webhook-sender';

const trigger: AutomationTrigger = {
  trigger_id: '0123456789abcdef0123456789abcdef',
  idempotency_key: 'shop-s1-Landing-2026-11-22T10:00:00.000Z',
  customer_id: 'shop',
  workflow_id: 'holiday',
  trigger_type: 'site_page_view',
  event_id: 'e1',
  event_type: 'page_view',
  event_name: 'Landing',
  session_id: 's1',
  visitor_id: null,
  page_url: 'https://shop.example/landing',
  occurred_at: Date.parse('2026-11-22T10:00:00.000Z'),
  properties: '{"utm_campaign":"holiday_2024"}',
};

describe('webhook sender', () => {
  it('delivers on 2xx, retries on 5xx, 408, 425 and 429, and stops on any other answer', () => {
    expect([200, 202, 204].map(verdictOf)).toEqual(['delivered', 'delivered', 'delivered']);
    expect([500, 502, 503, 408, 425, 429].map(verdictOf)).toEqual(Array(6).fill('retry'));
    expect([301, 400, 401, 404, 410, 422].map(verdictOf)).toEqual(Array(6).fill('refused'));
  });

  it('sends the same body on every attempt: type, occurrence time, the trigger with its properties as an object', () => {
    const body = webhookBody(trigger);
    expect(webhookBody(trigger)).toBe(body);
    expect(JSON.parse(body)).toEqual({
      type: 'site_page_view',
      timestamp: '2026-11-22T10:00:00.000Z',
      data: { ...trigger, occurred_at: '2026-11-22T10:00:00.000Z', properties: { utm_campaign: 'holiday_2024' } },
    });
  });
});
