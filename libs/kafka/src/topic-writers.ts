import {
  AUDIT_RECORD_SCHEMA_FILE,
  AUTOMATION_TRIGGER_SCHEMA_FILE,
  REJECTED_EVENT_SCHEMA_FILE,
  SITE_DOMAIN_SCHEMA_FILE,
  TOPICS,
  TRACKING_EVENT_SCHEMA_FILE,
  automationTriggerHeaders,
  eventMessageKey,
  siteDomainKey,
  trackingEventHeaders,
  type AuditRecord,
  type AutomationTrigger,
  type RejectedEvent,
  type SiteDomain,
  type TrackingEvent,
} from '@tracking/contracts';
import type { AvroTopicDefinition } from './avro-topic-writer';

/** How each record type of the ingestion side goes on its topic: one place for keys and headers. */
export const TRACKING_EVENTS_TOPIC: AvroTopicDefinition<TrackingEvent> = {
  topic: TOPICS.trackingEvents,
  schemaFile: TRACKING_EVENT_SCHEMA_FILE,
  key: eventMessageKey,
  headers: trackingEventHeaders,
  timestamp: (event) => event.received_at,
};

export const REJECTED_EVENTS_TOPIC: AvroTopicDefinition<RejectedEvent> = {
  topic: TOPICS.trackingEventsRejected,
  schemaFile: REJECTED_EVENT_SCHEMA_FILE,
  key: (rejected) => rejected.customer_id,
  timestamp: (rejected) => rejected.received_at,
};

export const AUDIT_TOPIC: AvroTopicDefinition<AuditRecord> = {
  topic: TOPICS.trackingAudit,
  schemaFile: AUDIT_RECORD_SCHEMA_FILE,
  // Per customer, so one customer's audit trail is ordered; refusals before identification share one key.
  key: (record) => record.customer_id ?? 'anonymous',
  timestamp: (record) => record.occurred_at,
};

export const AUTOMATION_TRIGGERS_TOPIC: AvroTopicDefinition<AutomationTrigger> = {
  topic: TOPICS.automationTriggers,
  schemaFile: AUTOMATION_TRIGGER_SCHEMA_FILE,
  // Seed 002's idempotency key: a consumer of the topic deduplicates on the record key.
  key: (trigger) => trigger.idempotency_key,
  headers: automationTriggerHeaders,
  timestamp: (trigger) => trigger.occurred_at,
};

export const SITE_DOMAINS_TOPIC: AvroTopicDefinition<SiteDomain> = {
  topic: TOPICS.billingSiteDomains,
  schemaFile: SITE_DOMAIN_SCHEMA_FILE,
  key: siteDomainKey,
  timestamp: (domain) => domain.first_seen_at,
};

/** A first-seen domain an exporter instance proposes; the arbiter group publishes it to SITE_DOMAINS_TOPIC once. */
export const SITE_DOMAIN_CANDIDATES_TOPIC: AvroTopicDefinition<SiteDomain> = {
  topic: TOPICS.exporterSiteDomainCandidates,
  schemaFile: SITE_DOMAIN_SCHEMA_FILE,
  key: siteDomainKey,
  timestamp: (domain) => domain.first_seen_at,
};
