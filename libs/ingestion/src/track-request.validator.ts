import type { ConsentState } from '@tracking/contracts';
import type { IngestionLimits } from './ingestion-limits';
import { inspectJson } from './json-guard';
import { schemaValidator } from './schema-validator';
import { MAX_ID_LENGTH, MAX_URL_LENGTH, RFC3339, TrackEventSchema } from './track-event.schema';
import type { FieldError, ValidTrackRequest } from './track-request';

export type ValidationResult = { ok: true; value: ValidTrackRequest } | { ok: false; errors: FieldError[] };

/** The compiled check of TrackEventSchema every event goes through. */
export const trackEventValidator = schemaValidator(TrackEventSchema);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Validates one event of a request body; every problem is reported with its field, none is fatal
 * alone. The structure (known fields, types, lengths, patterns) is TrackEventSchema's, compiled once;
 * what follows here is what a schema cannot say.
 */
export function validateTrackRequest(body: unknown, limits: IngestionLimits, receivedAt: number, prefix = ''): ValidationResult {
  if (!isPlainObject(body)) return { ok: false, errors: [{ field: `${prefix}${prefix ? '(event)' : '(body)'}`, reason: 'must be a JSON object' }] };
  const errors = trackEventValidator.check(body, prefix);
  // A field the schema refused is not judged again.
  const refused = new Set(errors.map((error) => error.field.slice(prefix.length)));
  const fail = (field: string, reason: string): void => {
    errors.push({ field: `${prefix}${field}`, reason });
  };
  const given = (field: string): boolean => body[field] !== undefined && body[field] !== null && !refused.has(field);
  /** A top-level string the schema accepted, trimmed. */
  const top = (field: string): string | null => (given(field) ? (body[field] as string).trim() : null);

  /** A string lifted from event_data, which no schema describes: the same rules as a top-level one. */
  const text = (field: string, value: unknown, max = MAX_ID_LENGTH): string | null => {
    if (value === undefined || value === null) return null;
    if (typeof value !== 'string' || value.trim() === '') {
      fail(field, 'must be a non-empty string');
      return null;
    }
    if (value.length > max) {
      fail(field, `must be at most ${max} characters`);
      return null;
    }
    // eslint-disable-next-line no-control-regex -- control characters are exactly what this rejects
    if (/[\u0000-\u001f\u007f]/.test(value)) {
      fail(field, 'must not contain control characters');
      return null;
    }
    return value.trim();
  };
  const parseUrl = (field: string, raw: string | null): URL | null => {
    if (raw === null) return null;
    try {
      const parsed = new URL(raw);
      if (parsed.protocol === 'http:' || parsed.protocol === 'https:') return parsed;
      fail(field, 'must be an http or https URL');
    } catch {
      fail(field, 'must be an absolute URL');
    }
    return null;
  };
  const TIMESTAMP_REASON = 'must be an RFC 3339 date-time such as 2024-12-28T10:30:00Z';
  const timestamp = (field: string, value: unknown): number | null => {
    if (typeof value !== 'string') return null;
    // The pattern lets 2024-13-45 through; Date.parse does not.
    if (!RFC3339.test(value) || Number.isNaN(Date.parse(value))) {
      fail(field, TIMESTAMP_REASON);
      return null;
    }
    return Date.parse(value);
  };
  /** The field or its alias; both at once is a mistake the schema cannot name. */
  const alias = (primary: string, secondary: string): string => {
    if (body[primary] !== undefined && body[secondary] !== undefined) fail(secondary, `is an alias of ${primary}; send only one`);
    return body[primary] !== undefined && body[primary] !== null ? primary : secondary;
  };

  const eventType = body['event_type'];

  const dataField = alias('event_data', 'properties');
  let eventData: Record<string, unknown> = {};
  let eventDataJson = '{}';
  if (given(dataField)) {
    const rawData = body[dataField] as Record<string, unknown>;
    const problems = inspectJson(rawData, `${prefix}${dataField}`, limits.maxDepth);
    errors.push(...problems);
    // JSON.stringify recurses: thousands of levels (a 64 KB body holds 30,000) overflow the stack.
    // A value already refused for its depth is not measured; the limit keeps the others shallow.
    if (!problems.some((problem) => problem.reason.startsWith('nesting deeper'))) {
      eventDataJson = JSON.stringify(rawData);
      const bytes = Buffer.byteLength(eventDataJson, 'utf8');
      if (bytes > limits.maxPropertiesBytes) fail(dataField, `is ${bytes} bytes; at most ${limits.maxPropertiesBytes} are allowed`);
    }
    if (problems.length === 0) eventData = rawData;
  }

  // The seed's own examples put identifiers inside event_data as often as at the top level.
  const fromData = (key: string): unknown => (typeof eventData[key] === 'string' ? eventData[key] : undefined);
  const identifier = (key: string): string | null => (body[key] !== undefined ? top(key) : text(`${dataField}.${key}`, fromData(key)));

  const eventId = top('event_id');
  const consentState = given('consent_state') ? (body['consent_state'] as ConsentState) : null;

  let occurredAt = given('occurred_at') ? timestamp('occurred_at', body['occurred_at']) : null;
  if (occurredAt === null && body['occurred_at'] === undefined && typeof eventData['timestamp'] === 'string') {
    occurredAt = timestamp(`${dataField}.timestamp`, eventData['timestamp']);
  }
  const sentAt = given('sent_at') ? timestamp('sent_at', body['sent_at']) : null;
  if (occurredAt !== null) {
    const corrected = sentAt === null ? occurredAt : occurredAt + (receivedAt - sentAt);
    if (receivedAt - corrected > limits.maxEventAgeMs) fail('occurred_at', `is more than ${Math.round(limits.maxEventAgeMs / 3_600_000)} hours in the past`);
    if (corrected - receivedAt > limits.maxClockSkewMs) fail('occurred_at', `is more than ${Math.round(limits.maxClockSkewMs / 1000)} seconds in the future`);
  }

  const urlField = alias('page_url', 'url');
  const pageUrl = parseUrl(urlField, top(urlField));
  const referrer =
    body['referrer'] !== undefined
      ? parseUrl('referrer', top('referrer'))
      : typeof eventData['referrer'] === 'string' && URL.canParse(eventData['referrer'])
        ? parseUrl(`${dataField}.referrer`, text(`${dataField}.referrer`, eventData['referrer'], MAX_URL_LENGTH))
        : null;
  const eventName = top(alias('event_name', 'name'));

  const value: ValidTrackRequest = {
    eventType: typeof eventType === 'string' ? eventType : '',
    pageUrl,
    referrer,
    eventData,
    eventDataJson,
    eventId,
    eventName,
    sessionId: identifier('session_id'),
    visitorId: identifier('visitor_id'),
    userId: identifier('user_id'),
    locationId: identifier('location_id'),
    occurredAt,
    sentAt,
    consentState,
    libraryName: top('library_name'),
    libraryVersion: top('library_version'),
  };
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value };
}
