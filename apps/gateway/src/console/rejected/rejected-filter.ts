import { ApiError } from '@tracking/http';
import type { FieldError } from '@tracking/ingestion';
import type { RejectionFilter } from './rejected.queries';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;

const text = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined);

/** The list's query parameters, checked: a bad one is a 400 naming it. */
export function rejectionFilterOf(query: Record<string, unknown>): RejectionFilter {
  const errors: FieldError[] = [];
  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const value = text(query[name]);
    if (value === undefined) return fallback;
    const parsed = /^\d+$/.test(value) ? Number(value) : Number.NaN;
    if (!Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
      errors.push({ field: name, reason: `must be an integer from ${min} to ${max}` });
      return fallback;
    }
    return parsed;
  };
  const time = (name: string): Date | undefined => {
    const value = text(query[name]);
    if (value === undefined) return undefined;
    const parsed = new Date(value);
    if (Number.isNaN(parsed.getTime()) || !/^\d{4}-\d{2}-\d{2}/.test(value)) {
      errors.push({ field: name, reason: 'must be an RFC 3339 time (2026-12-07T10:00:00Z) or a date' });
      return undefined;
    }
    return parsed;
  };
  const bounded = (name: string, max: number): string | undefined => {
    const value = text(query[name]);
    if (value !== undefined && value.length > max) {
      errors.push({ field: name, reason: `must be at most ${max} characters` });
      return undefined;
    }
    return value;
  };
  const origin = text(query['source']);
  if (origin !== undefined && origin !== 'gateway' && origin !== 'loader') errors.push({ field: 'source', reason: 'must be gateway or loader' });
  const filter: RejectionFilter = {
    limit: integer('limit', DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE),
    offset: integer('offset', 0, 0, 1_000_000),
    ...(origin === 'gateway' || origin === 'loader' ? { origin } : {}),
  };
  const reason = bounded('reason', 200);
  const field = bounded('field', 200);
  const from = time('from');
  const to = time('to');
  if (reason !== undefined) filter.reason = reason;
  if (field !== undefined) filter.field = field;
  if (from) filter.from = from;
  if (to) filter.to = to;
  if (from && to && from >= to) errors.push({ field: 'to', reason: 'must be after from' });
  if (errors.length > 0) throw ApiError.invalid(errors, 'query');
  return filter;
}
