/** The Exports page's calls: GET /console/api/exports/status and POST /console/api/exports/run. */
import { getJson, sendJson } from '../api';

export interface BucketActivity {
  role: 'client' | 'backup';
  bucket: string;
  objects: number;
  bytes: number;
  last_write_at: string | null;
  error: string | null;
  truncated: boolean;
}

export interface ExportActivity {
  hours: number;
  from: string;
  to: string;
  per_hour: Array<{ hour: string; objects: Record<string, number> }>;
  formats: string[];
  buckets: BucketActivity[];
  instance: { consecutive_failures: number; failing_since: string | null; last_error: { message: string; at: string } | null };
  measured_at: string;
}

export interface ExportState {
  state: 'exporting' | 'failing' | 'misconfigured';
  last_export_at?: string | null;
  last_object_key?: string | null;
  objects_written?: number;
  events_written?: number;
  bytes_written?: number;
  pending_events?: number;
  next_close_at?: string | null;
  failing_since?: string | null;
  next_retry_at?: string | null;
  last_error?: { message: string; at: string } | null;
  problems?: string[];
}

export interface ExportConfiguration {
  client: { bucket: string } | null;
  backup: { bucket: string } | null;
  prefix: string;
  format: string;
  compression: string;
  schedule: string;
  split_by_site: boolean;
}

export type ExportStatus =
  | { customer_id: string; configured: false }
  | { customer_id: string; configured: true; configuration: ExportConfiguration | null; status: ExportState | null; activity: ExportActivity | null };

export interface RunResult {
  objects: number;
  events: number;
  failed: number;
  instances_unreached: number;
}

export function exportStatus(customerId: string | undefined, hours: number): Promise<ExportStatus> {
  return getJson<ExportStatus>('/exports/status', customerId, { hours });
}

export function runExport(customerId: string | undefined): Promise<RunResult> {
  return sendJson<RunResult>('POST', '/exports/run', undefined, customerId);
}
