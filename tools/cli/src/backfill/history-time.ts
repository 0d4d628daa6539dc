export type HistoryTime = { kind: 'at'; epochMs: number } | { kind: 'missing' } | { kind: 'unreadable' };

/**
 * When the gateway would have received this event: `sent_at` when the line has it, else its
 * `occurred_at` (or `event_data.timestamp`, where the validator also looks). The backfill passes
 * this as the pipeline's receivedAt, so received_at is historical and the same on every run (the
 * vault's load_date is received_at), and the gateway's age and clock-skew checks measure the event
 * against its own time rather than against today. Unreadable times are left for the validator to
 * reject with its own message.
 */
export function historyTime(body: unknown): HistoryTime {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { kind: 'unreadable' };
  const record = body as Record<string, unknown>;
  const data = record['event_data'] ?? record['properties'];
  const fromData = typeof data === 'object' && data !== null ? (data as Record<string, unknown>)['timestamp'] : undefined;
  const raw = record['sent_at'] ?? record['occurred_at'] ?? (record['occurred_at'] === undefined ? fromData : undefined);
  if (raw === undefined || raw === null) return { kind: 'missing' };
  const epochMs = typeof raw === 'string' ? Date.parse(raw) : Number.NaN;
  return Number.isNaN(epochMs) ? { kind: 'unreadable' } : { kind: 'at', epochMs };
}
