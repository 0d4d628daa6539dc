/** Mirrors schemas/avro/tracking-event.v1.avsc; a unit test keeps the two in step. */
export interface TrackingEvent {
  event_id: string;
  customer_id: string;
  event_type: string;
  event_name: string | null;
  page_url: string | null;
  referrer: string | null;
  /** Epoch milliseconds (Avro timestamp-millis). */
  occurred_at: number;
  received_at: number;
  sent_at: number | null;
  session_id: string | null;
  visitor_id: string | null;
  user_id: string | null;
  location_id: string | null;
  consent_state: ConsentState | null;
  ip_address: string | null;
  user_agent: string | null;
  /** JSON object text. */
  event_data: string;
  utm_source: string | null;
  utm_medium: string | null;
  utm_campaign: string | null;
  utm_term: string | null;
  utm_content: string | null;
  batch_id: string | null;
  source: EventSource;
  referrer_domain: string | null;
  security_score: number | null;
  suspicious: boolean;
  key_id: string | null;
  /** The SDK that sent the event and its version, as it said (null from plain HTTP clients and older records). */
  library_name: string | null;
  library_version: string | null;
  /**
   * The customer's site (seed 004), set by the gateway. Null in records written before the field
   * existed (the reader schema's default): derive it with siteIdFor from @tracking/customers.
   */
  site_id: string | null;
}

export const TRACKING_EVENT_SCHEMA_FILE = 'tracking-event.v1.avsc';

export const CONSENT_STATES = ['pending', 'granted', 'denied'] as const;
export type ConsentState = (typeof CONSENT_STATES)[number];

export const EVENT_SOURCES = ['api', 'bulk', 'async', 'browser', 'backfill'] as const;
export type EventSource = (typeof EVENT_SOURCES)[number];

/** The event types named by seed 000; any other well-formed type is accepted as a custom event. */
export const KNOWN_EVENT_TYPES = [
  'page_view',
  'item_interaction',
  'transaction_step',
  'search',
  'cart_action',
  'feature_usage',
  'onboarding_step',
  'subscription_event',
  'integration_usage',
  'appointment_interaction',
  'member_activity',
  'treatment_engagement',
  'wellness_tracking',
  'content_engagement',
  'social_interaction',
  'subscription_action',
  'custom_event',
  'identity',
] as const;
