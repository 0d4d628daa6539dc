import { Inject, Injectable } from '@nestjs/common';
import type { CustomerConfig } from '@tracking/customers';
import { ApiError } from '@tracking/http';
import { IngestionPipeline, type FieldError } from '@tracking/ingestion';
import { GATEWAY_CONFIG, type GatewayConfig } from '../../config/gateway.config';
import { ServiceAdminClient } from '../../services/service-admin.client';

/** One webhook attempt of a trigger, as the console shows it. */
export interface DeliveryAttempt {
  attempt: number;
  attempted_at: string;
  status_code: number | null;
  duration_ms: number;
  error: string | null;
}

/** A fired trigger with its delivery state and every attempt. */
export interface Delivery {
  trigger_id: string;
  workflow_id: string;
  event_id: string;
  idempotency_key: string;
  webhook_url: string | null;
  state: string;
  fired_at: string;
  delivered_at: string | null;
  next_attempt_at: string | null;
  last_error: string | null;
  attempts: DeliveryAttempt[];
}

export interface DeliveryQuery {
  limit?: string;
  state?: string;
  before?: string;
}

/** A document's check: valid, or the fields PUT would refuse, each with its reason. */
export interface WorkflowsCheck {
  valid: boolean;
  errors: FieldError[];
  /** The workflows it would enable (ids), when valid. */
  workflows: string[];
}

export interface TrialRequest {
  event: unknown;
  workflow_id?: string;
  document?: unknown;
}

type Row = Record<string, unknown>;
const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);

/** The automation trigger's row, renamed into the console's shape (the trigger's field names stay its own). */
function delivery(row: Row): Delivery {
  const log = Array.isArray(row['attempt_log']) ? (row['attempt_log'] as Row[]) : [];
  return {
    trigger_id: String(row['trigger_id']),
    workflow_id: String(row['workflow_id']),
    event_id: String(row['event_id']),
    idempotency_key: String(row['idempotency_key']),
    webhook_url: text(row['webhook_url']),
    state: String(row['delivery_status']),
    fired_at: String(row['fired_at']),
    delivered_at: text(row['delivered_at']),
    next_attempt_at: row['delivery_status'] === 'pending' ? text(row['next_attempt_at']) : null,
    last_error: text(row['last_error']),
    attempts: log.map((attempt) => ({
      attempt: Number(attempt['attempt']),
      attempted_at: String(attempt['attempted_at']),
      status_code: typeof attempt['status_code'] === 'number' ? attempt['status_code'] : null,
      duration_ms: Number(attempt['duration_ms']),
      error: text(attempt['error']),
    })),
  };
}

/**
 * The console's automations (issue 21, page 5): the automation trigger's admin API, always for the
 * customer the caller authenticated as (the routes never take it from the request), so a tenant
 * reaches its own workflows and deliveries only. The checks and the matcher are the trigger's own;
 * this adds only what the gateway owns: a sample event goes through the gateway's ingestion
 * pipeline first, exactly as a real one would, so the trigger sees the event production would.
 */
@Injectable()
export class ConsoleAutomationsService {
  private readonly pipeline: IngestionPipeline;

  constructor(
    private readonly services: ServiceAdminClient,
    @Inject(GATEWAY_CONFIG) config: Pick<GatewayConfig, 'limits' | 'hashKey'>,
  ) {
    this.pipeline = new IngestionPipeline(config.limits, config.hashKey);
  }

  private path(customer: CustomerConfig, rest: string): string {
    return `/api/v1/automations/${encodeURIComponent(customer.customerId)}/${rest}`;
  }

  async workflows(customer: CustomerConfig): Promise<{ customer_id: string; document: unknown }> {
    return { customer_id: customer.customerId, document: await this.services.expect('automationTrigger', this.path(customer, 'workflows')) };
  }

  /** The trigger's own check (schema, then reader) of a document, nothing written; its 400 read as the field errors. */
  async validate(customer: CustomerConfig, document: unknown): Promise<WorkflowsCheck> {
    const answer = await this.services.call<{ workflows?: string[]; details?: FieldError[] }>('automationTrigger', this.path(customer, 'workflows/validate'), { method: 'POST', body: document });
    if (answer.status === 200) return { valid: true, errors: [], workflows: answer.body?.workflows ?? [] };
    if (answer.status === 400 && Array.isArray(answer.body?.details)) return { valid: false, errors: answer.body.details, workflows: [] };
    // Anything else (customer unknown, trigger failing) is the same error the other routes give.
    throw this.services.refusal('automationTrigger', answer);
  }

  /** Saves the document after the trigger's check; a 400 with every bad field, and nothing written, otherwise. */
  async save(customer: CustomerConfig, document: unknown, by: string): Promise<{ success: true; workflows: string[] }> {
    return this.services.expect('automationTrigger', this.path(customer, 'workflows'), { method: 'PUT', body: document, headers: { 'x-applied-by': by } });
  }

  async deliveries(customer: CustomerConfig, query: DeliveryQuery): Promise<{ deliveries: Delivery[]; next_before: string | null }> {
    const answer = await this.services.expect<{ deliveries: Row[]; next_before?: string | null }>('automationTrigger', this.path(customer, 'deliveries'), {
      query: { limit: query.limit ?? '25', state: query.state, before: query.before },
    });
    return { deliveries: answer.deliveries.map(delivery), next_before: answer.next_before ?? null };
  }

  async redeliver(customer: CustomerConfig, triggerId: string): Promise<{ success: true; trigger_id: string }> {
    // The trigger looks the id up under this customer only: another tenant's trigger id is not found.
    if (!/^[\x21-\x7e]{1,128}$/.test(triggerId)) throw new ApiError(404, 'NOT_FOUND', 'No such trigger');
    return this.services.expect('automationTrigger', this.path(customer, `deliveries/${encodeURIComponent(triggerId)}/redeliver`), { method: 'POST' });
  }

  /**
   * Runs the sample through the ingestion pipeline (validation, consent, privacy rules, enrichment:
   * UTM fields read from the page URL), publishing nothing, then asks the trigger which workflows
   * the event it would become fires. An event the gateway would refuse is a 400 naming its field;
   * one it would drop (consent, Do Not Track) fires nothing, and the answer says why.
   */
  async trial(customer: CustomerConfig, request: TrialRequest): Promise<object> {
    const outcome = this.pipeline.process(request.event, customer, { receivedAt: Date.now(), clientIp: null, userAgent: null, doNotTrack: false, source: 'api', batchId: null, keyId: null }, 'event.');
    if (outcome.status === 'rejected') throw ApiError.invalid(outcome.errors, 'sample event');
    if (outcome.status === 'dropped') return { accepted: false, dropped: outcome.reason, automation_enabled: null, saved: request.document === undefined, results: [] };
    const event = outcome.event;
    const sample: Record<string, unknown> = { event_type: event.event_type, event_data: JSON.parse(event.event_data) as unknown };
    for (const field of ['event_name', 'page_url', 'utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content'] as const) {
      if (event[field] !== null) sample[field] = event[field];
    }
    const result = await this.services.expect<object>('automationTrigger', this.path(customer, 'try'), {
      method: 'POST',
      body: { event: sample, ...(request.workflow_id === undefined ? {} : { workflow_id: request.workflow_id }), ...(request.document === undefined ? {} : { document: request.document }) },
    });
    return { accepted: true, ...result };
  }
}
