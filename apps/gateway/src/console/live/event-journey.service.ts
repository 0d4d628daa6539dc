import { Inject, Injectable } from '@nestjs/common';
import { TOPICS, triggerIdempotencyKey, type TrackingEvent } from '@tracking/contracts';
import type { CustomerConfig } from '@tracking/customers';
import { ApiError } from '@tracking/http';
import { GATEWAY_CONFIG, type GatewayConfig } from '../../config/gateway.config';
import { GatewayPublisher } from '../../messaging/gateway.publisher';
import { TenantReadRepository } from '../../reporting/tenant-read.repository';
import { ServiceAdminClient, type AdminService } from '../../services/service-admin.client';
import { liveEventView, type LiveEventView } from './live-event-view';
import { LiveEventsReader } from './live-events.reader';
import { vaultJourney, type VaultJourney } from './journey.queries';

/**
 * Each step of a journey: found; not_yet (its consumer has not reached the record); none (the
 * consumer passed the record and made nothing of it: no workflow matched, the export leaves it out);
 * unavailable (the service or the database did not answer, `reason` says why).
 */
export type StepStatus = 'found' | 'not_yet' | 'none' | 'unavailable';

export interface EventJourney {
  customer_id: string;
  event_id: string;
  idempotency_key: string;
  /** The decoded record as the read API shows it; from the vault's raw layer, else from this instance's live reader. */
  record: LiveEventView;
  record_from: 'vault' | 'live';
  kafka: { topic: string; partition: number; offset: string };
  vault: { status: StepStatus; reason?: string } & Partial<Omit<VaultJourney, 'event'>>;
  export: { status: StepStatus; reason?: string; bucket?: string | null; objects?: Array<{ bucket: string; key: string }> };
  triggers: { status: StepStatus; reason?: string; triggers?: TriggerStep[] };
}

export interface TriggerStep {
  trigger_id: string;
  workflow_id: string;
  idempotency_key: string;
  event_id: string;
  /** Only the webhook's origin: its path or query may hold a secret of the customer's receiver. */
  webhook: string | null;
  delivery_status: string;
  attempts: number;
  fired_at: string;
  delivered_at: string | null;
  last_error: string | null;
  deliveries: Array<{ attempt: number; attempted_at: string; status_code: number | null; error: string | null; duration_ms: number }>;
}

const EVENT_ID = /^[\x21-\x7e]{1,128}$/;

const reasonOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

function originOf(url: unknown): string | null {
  if (typeof url !== 'string') return null;
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}

/**
 * An event's way through the platform, for its own tenant only: the record, the vault rows its load
 * wrote, the exported object that holds it and the triggers it fired with their deliveries. Every
 * part is asked on its own, so a service that does not answer makes its part `unavailable` and
 * leaves the rest. Which customer is asked about is always the caller's own.
 */
@Injectable()
export class EventJourneyService {
  constructor(
    private readonly reader: TenantReadRepository,
    private readonly live: LiveEventsReader,
    private readonly services: ServiceAdminClient,
    private readonly kafka: GatewayPublisher,
    @Inject(GATEWAY_CONFIG) private readonly config: Pick<GatewayConfig, 'consumerGroups'>,
  ) {}

  async journey(customer: CustomerConfig, eventId: string): Promise<EventJourney> {
    if (!EVENT_ID.test(eventId)) throw ApiError.invalid([{ field: 'eventId', reason: 'must be an event id of 1-128 printable characters' }]);
    const customerId = customer.customerId;
    let vault: VaultJourney | undefined;
    let vaultFailure: string | undefined;
    try {
      vault = await this.reader.read(customer.tenantHk, (read) => vaultJourney(read, customerId, Buffer.from(customer.tenantHk, 'hex'), eventId));
    } catch (error) {
      vaultFailure = reasonOf(error);
    }
    const seen = this.live.seen(customerId, eventId);
    const event: TrackingEvent | undefined = vault?.event ?? seen?.event;
    if (!event) {
      if (vaultFailure !== undefined) throw new ApiError(503, 'SERVICE_UNAVAILABLE', `The vault cannot be read now: ${vaultFailure}`);
      throw new ApiError(404, 'NOT_FOUND', `No event ${eventId} for customer ${customerId} (or not loaded yet)`);
    }
    const position = vault
      ? { partition: vault.raw.kafka_partition, offset: vault.raw.kafka_offset }
      : { partition: seen?.partition ?? 0, offset: seen?.offset ?? '0' };
    const idempotencyKey = triggerIdempotencyKey(event);
    const [exported, triggers] = await Promise.all([this.exportStep(customerId, event, position), this.triggerStep(customerId, eventId, idempotencyKey, position)]);
    const { event: _event, ...vaultRows } = vault ?? { event: undefined };
    return {
      customer_id: customerId,
      event_id: eventId,
      idempotency_key: idempotencyKey,
      record: liveEventView(event),
      record_from: vault ? 'vault' : 'live',
      kafka: { topic: TOPICS.trackingEvents, ...position },
      vault: vault ? { status: 'found', ...vaultRows } : vaultFailure !== undefined ? { status: 'unavailable', reason: vaultFailure } : { status: 'not_yet' },
      export: exported,
      triggers,
    };
  }

  private async exportStep(customerId: string, event: TrackingEvent, position: { partition: number; offset: string }): Promise<EventJourney['export']> {
    const answer = await this.ask<{ status: 'found' | 'not_yet' | 'not_exported'; bucket: string | null; objects: Array<{ bucket: string; key: string }> }>('exporter', '/api/v1/export/objects', {
      customer_id: customerId,
      partition: position.partition,
      offset: position.offset,
      occurred_at: event.occurred_at,
      event_type: event.event_type,
      site_id: event.site_id ?? undefined,
      page_url: event.site_id ? undefined : (event.page_url ?? undefined),
    });
    if ('unavailable' in answer) return { status: 'unavailable', reason: answer.unavailable };
    const objects = answer.objects.map(({ bucket, key }) => ({ bucket, key }));
    if (answer.status === 'not_exported') return { status: 'none', reason: 'The customer has no S3 export, or it leaves this event type out', bucket: answer.bucket, objects };
    return { status: answer.status, bucket: answer.bucket, objects };
  }

  private async triggerStep(customerId: string, eventId: string, idempotencyKey: string, position: { partition: number; offset: string }): Promise<EventJourney['triggers']> {
    const answer = await this.ask<{ triggers: Array<Record<string, unknown>> }>(
      'automationTrigger',
      `/api/v1/automations/${encodeURIComponent(customerId)}/events/${encodeURIComponent(eventId)}/triggers`,
      { idempotency_key: idempotencyKey },
    );
    if ('unavailable' in answer) return { status: 'unavailable', reason: answer.unavailable };
    const triggers = answer.triggers.map(triggerStep);
    if (triggers.length > 0) return { status: 'found', triggers };
    // Nothing fired: either the automation trigger has not read the record yet, or no workflow matched it.
    const passed = await this.consumerPassed(this.config.consumerGroups.automationTrigger, position);
    return { status: passed === undefined ? 'not_yet' : passed ? 'none' : 'not_yet', triggers };
  }

  /** Whether the group has committed past the record (undefined: Kafka did not say). */
  private async consumerPassed(groupId: string, position: { partition: number; offset: string }): Promise<boolean | undefined> {
    try {
      const left = await this.kafka.uncommittedBefore(groupId, TOPICS.trackingEvents, new Map([[position.partition, BigInt(position.offset) + 1n]]));
      return left === 0;
    } catch {
      return undefined;
    }
  }

  private async ask<T>(service: AdminService, path: string, query: Record<string, string | number | undefined>): Promise<T | { unavailable: string }> {
    if (!this.services.configured(service)) return { unavailable: `The gateway is not configured to reach the ${service}` };
    try {
      const answer = await this.services.call<T>(service, path, { query, timeoutMs: 5_000 });
      if (answer.status >= 200 && answer.status < 300 && answer.body !== undefined) return answer.body;
      const message = (answer.body as { error?: unknown } | undefined)?.error;
      return { unavailable: `The ${service} answered ${answer.status}${typeof message === 'string' ? `: ${message}` : ''}` };
    } catch (error) {
      return { unavailable: reasonOf(error) };
    }
  }
}

function triggerStep(row: Record<string, unknown>): TriggerStep {
  const time = (value: unknown): string | null => (value === null || value === undefined ? null : new Date(value as string).toISOString());
  const attempts = Array.isArray(row['attempt_log']) ? (row['attempt_log'] as Array<Record<string, unknown>>) : [];
  return {
    trigger_id: String(row['trigger_id']),
    workflow_id: String(row['workflow_id']),
    idempotency_key: String(row['idempotency_key']),
    event_id: String(row['event_id']),
    webhook: originOf(row['webhook_url']),
    delivery_status: String(row['delivery_status']),
    attempts: Number(row['attempts'] ?? 0),
    fired_at: time(row['fired_at']) ?? '',
    delivered_at: time(row['delivered_at']),
    last_error: (row['last_error'] as string | null) ?? null,
    deliveries: attempts.map((attempt) => ({
      attempt: Number(attempt['attempt']),
      attempted_at: time(attempt['attempted_at']) ?? '',
      status_code: attempt['status_code'] === null ? null : Number(attempt['status_code']),
      error: (attempt['error'] as string | null) ?? null,
      duration_ms: Number(attempt['duration_ms']),
    })),
  };
}
