import { HEADERS, TRACKING_EVENT_CE_TYPE_PREFIX, TRIGGER_CE_TYPE_PREFIX, customerOfSource } from '@tracking/contracts';
import type { TailLine } from './record-decoder';

/** `tail --customer/--type`: a record is shown when it matches every filter given. */
export interface RecordFilter {
  customer?: string;
  eventType?: string;
}

function header(headers: TailLine['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[value.length - 1] : value;
}

function field(value: unknown, name: string): string | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const found = (value as Record<string, unknown>)[name];
  return typeof found === 'string' ? found : undefined;
}

/** The CloudEvents source header names the customer without decoding; records without it carry customer_id. */
export function customerOf(line: Pick<TailLine, 'headers' | 'value'>): string | undefined {
  return customerOfSource(header(line.headers, HEADERS.source)) ?? field(line.value, 'customer_id');
}

/** event_type of tracking events, trigger_type of triggers, else the suffix of the ce_type header. */
export function eventTypeOf(line: Pick<TailLine, 'headers' | 'value'>): string | undefined {
  const fromValue = field(line.value, 'event_type') ?? field(line.value, 'trigger_type');
  if (fromValue !== undefined) return fromValue;
  const ceType = header(line.headers, HEADERS.type);
  for (const prefix of [TRACKING_EVENT_CE_TYPE_PREFIX, TRIGGER_CE_TYPE_PREFIX]) {
    if (ceType?.startsWith(prefix)) return ceType.slice(prefix.length);
  }
  return undefined;
}

export function isFiltering(filter: RecordFilter): boolean {
  return filter.customer !== undefined || filter.eventType !== undefined;
}

export function matchesFilter(filter: RecordFilter, line: Pick<TailLine, 'headers' | 'value'>): boolean {
  if (filter.customer !== undefined && customerOf(line) !== filter.customer) return false;
  if (filter.eventType !== undefined && eventTypeOf(line) !== filter.eventType) return false;
  return true;
}

/**
 * Whether the headers alone already rule a record out, so that other customers' records are
 * skipped without a decode (the common case when tailing one customer on a busy topic).
 */
export function rejectedByHeaders(filter: RecordFilter, headers: TailLine['headers']): boolean {
  if (filter.customer === undefined) return false;
  const customer = customerOfSource(header(headers, HEADERS.source));
  return customer !== undefined && customer !== filter.customer;
}
