/**
 * The Automations page's calls (issue 21, page 5): /console/api/automations, for the signed-in
 * customer (an operator names the customer it picked). Field problems come back as ApiError.details.
 */
import { getJson, sendJson, type FieldProblem } from '../api';

/** A workflows document as the automation trigger keeps it (automations.yaml as JSON). */
export interface WorkflowsDocument {
  workflows?: unknown[];
}

export interface WorkflowsCheck {
  valid: boolean;
  errors: FieldProblem[];
  workflows: string[];
}

export interface DeliveryAttempt {
  attempt: number;
  attempted_at: string;
  status_code: number | null;
  duration_ms: number;
  error: string | null;
}

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

export interface DeliveryPage {
  deliveries: Delivery[];
  next_before: string | null;
}

export interface WorkflowVerdict {
  workflow_id: string;
  fires: boolean;
  failed_filter?: string;
  reason?: string;
}

export interface TrialOutcome {
  accepted: boolean;
  /** Why the gateway would drop the sample (consent, Do Not Track): nothing fires. */
  dropped?: string;
  automation_enabled: boolean | null;
  results: WorkflowVerdict[];
}

export async function loadWorkflows(customerId?: string): Promise<WorkflowsDocument> {
  const body = await getJson<{ document?: WorkflowsDocument }>('/automations/workflows', customerId);
  return body.document ?? { workflows: [] };
}

export function validateWorkflows(document: WorkflowsDocument, customerId?: string): Promise<WorkflowsCheck> {
  return sendJson<WorkflowsCheck>('POST', '/automations/workflows/validate', document, customerId);
}

export function saveWorkflows(document: WorkflowsDocument, customerId?: string): Promise<{ workflows: string[] }> {
  return sendJson<{ workflows: string[] }>('PUT', '/automations/workflows', document, customerId);
}

export function loadDeliveries(customerId: string | undefined, query: { state?: string; before?: string; limit?: number }): Promise<DeliveryPage> {
  return getJson<DeliveryPage>('/automations/deliveries', customerId, query);
}

export function redeliver(triggerId: string, customerId?: string): Promise<unknown> {
  return sendJson('POST', `/automations/deliveries/${encodeURIComponent(triggerId)}/redeliver`, undefined, customerId);
}

export function tryWorkflows(event: Record<string, unknown>, document: WorkflowsDocument | undefined, customerId?: string): Promise<TrialOutcome> {
  return sendJson<TrialOutcome>('POST', '/automations/try', { event, ...(document ? { document } : {}) }, customerId);
}
