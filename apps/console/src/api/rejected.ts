import { ApiError, getJson, sendJson, type FieldProblem } from '../api';

/** One rejection as GET /console/api/rejected lists it. */
export interface Rejection {
  id: string;
  source: 'gateway' | 'loader';
  received_at: string;
  field: string | null;
  reason: string | null;
  errors: FieldProblem[];
  ingest_source: string | null;
  event_id: string | null;
  payload: string | null;
  payload_truncated: boolean;
  redrivable: boolean;
  redriven: null | { event_id: string; outcome: string; redriven_at: string; redriven_by: string; redrives: number };
}

export interface RejectionPage {
  total: number;
  limit: number;
  offset: number;
  rejections: Rejection[];
}

export interface RejectionQuery {
  source?: 'gateway' | 'loader';
  reason?: string;
  limit: number;
  offset: number;
}

/** What one redriven item came to: accepted (or dropped by consent) under its event id, or refused with the field problems. */
export interface RedriveOutcome {
  id: string;
  ok: boolean;
  outcome: string;
  event_id?: string;
  message?: string;
  details: FieldProblem[];
}

export function listRejections(query: RejectionQuery, customerId?: string): Promise<RejectionPage> {
  return getJson<RejectionPage>('/rejected', customerId, { ...query });
}

interface RedriveAnswer {
  results: Array<{ id: string; status: number; outcome: string; event_id?: string; error?: { message: string; details?: FieldProblem[] } }>;
}

/**
 * POST /console/api/rejected/redrive. With one item a refusal is the whole answer's status (400 with
 * the fields); with several each item says its own. Either way: one outcome per item, in order.
 */
export async function redrive(items: Array<{ id: string; event: unknown }>, customerId?: string): Promise<RedriveOutcome[]> {
  try {
    const answer = await sendJson<RedriveAnswer>('POST', '/rejected/redrive', { items }, customerId);
    return answer.results.map((result) => ({
      id: result.id,
      ok: result.status < 300,
      outcome: result.outcome,
      ...(result.event_id ? { event_id: result.event_id } : {}),
      ...(result.error ? { message: result.error.message } : {}),
      details: result.error?.details ?? [],
    }));
  } catch (error) {
    if (items.length === 1 && error instanceof ApiError && error.status < 500) {
      return [{ id: items[0]!.id, ok: false, outcome: 'refused', message: error.message, details: error.details }];
    }
    throw error;
  }
}
