/** The Privacy page's calls: GET and POST /console/api/privacy/erasures. */
import { getJson, sendJson } from '../api';

export type Place = 'vault' | 'exporter' | 'automation-trigger';
export const PLACES: readonly Place[] = ['vault', 'exporter', 'automation-trigger'];

export interface PlaceStatus {
  state: 'pending' | 'done' | 'failed';
  found: number | null;
  removed: number | null;
  finished_at: string | null;
  detail: string | null;
}

export interface ErasureRequest {
  request_id: string;
  requested_at: string;
  requested_by: string;
  subjects: { visitors: number; users: number };
  places: Partial<Record<Place, PlaceStatus>>;
}

export interface ErasureResult {
  request_id: string;
  erased_visitors: number;
  erased_users: number;
  rows_anonymised: Record<string, number>;
}

export type Subject = { visitor_id: string } | { user_id: string };

export async function erasures(customerId: string | undefined): Promise<ErasureRequest[]> {
  return (await getJson<{ requests?: ErasureRequest[] }>('/privacy/erasures', customerId)).requests ?? [];
}

export function requestErasure(customerId: string | undefined, subject: Subject): Promise<ErasureResult> {
  return sendJson<ErasureResult>('POST', '/privacy/erasures', { ...subject, confirm: true }, customerId);
}
