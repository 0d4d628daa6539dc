import { getJson, routeUrl } from '../api';

/** One event as the live stream and the journey show it (the read API's fields). */
export interface LiveEvent {
  event_id: string;
  event_type: string;
  event_name: string | null;
  occurred_at: string;
  received_at: string;
  page_url: string | null;
  referrer_domain: string | null;
  session_id: string | null;
  visitor_id: string | null;
  user_id: string | null;
  location_id: string | null;
  utm_source: string | null;
  utm_medium: string | null;
  utm_campaign: string | null;
  consent_state: string | null;
  source: string;
  site_id: string | null;
}

export type StepStatus = 'found' | 'not_yet' | 'none' | 'unavailable';

export interface VaultRow {
  table: string;
  kind: 'hub' | 'link' | 'satellite';
  key: string;
  load_date: string;
  record_source: string;
  written_by_this_event: boolean;
}

export interface TriggerStep {
  trigger_id: string;
  workflow_id: string;
  webhook: string | null;
  delivery_status: string;
  attempts: number;
  fired_at: string;
  delivered_at: string | null;
  last_error: string | null;
  deliveries: Array<{ attempt: number; attempted_at: string; status_code: number | null; error: string | null; duration_ms: number }>;
}

export interface EventJourney {
  customer_id: string;
  event_id: string;
  idempotency_key: string;
  record: LiveEvent;
  record_from: 'vault' | 'live';
  kafka: { topic: string; partition: number; offset: string };
  vault: {
    status: StepStatus;
    reason?: string;
    raw?: { load_date: string; record_source: string; kafka_partition: number; kafka_offset: string; schema_id: number; processing_status: string };
    staging?: { validation_status: string; quality_score: number | null; site_id: string | null; findings: Array<{ check: string; severity: string; message: string }> } | null;
    business?: VaultRow[];
  };
  export: { status: StepStatus; reason?: string; bucket?: string | null; objects?: Array<{ bucket: string; key: string }> };
  triggers: { status: StepStatus; reason?: string; triggers?: TriggerStep[] };
}

export interface LiveFilters {
  type?: string;
  url?: string;
}

/** The stream's address (EventSource sends the same-origin session cookie). */
export function liveStreamUrl(customerId: string | undefined, filters: LiveFilters): string {
  return routeUrl('/events/stream', customerId, { type: filters.type, url: filters.url });
}

export function eventJourney(eventId: string, customerId?: string): Promise<EventJourney> {
  return getJson<EventJourney>(`/events/${encodeURIComponent(eventId)}/journey`, customerId);
}
