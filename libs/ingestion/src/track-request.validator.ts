import { CLIENT_EVENT_ID_PATTERN, CONSENT_STATES, type ConsentState } from '@tracking/contracts';
import type { IngestionLimits } from './ingestion-limits';
import { inspectJson } from './json-guard';
import type { FieldError, ValidTrackRequest } from './track-request';

export type ValidationResult = { ok: true; value: ValidTrackRequest } | { ok: false; errors: FieldError[] };

const FIELDS = [
  'event_type',
  'page_url',
  'url',
  'event_data',
  'properties',
  'location_id',
  'user_id',
  'session_id',
  'visitor_id',
  'event_id',
  'event_name',
  'name',
  'referrer',
  'occurred_at',
  'sent_at',
  'consent_state',
  'library_name',
  'library_version',
] as const;
const KNOWN_FIELDS: ReadonlySet<string> = new Set(FIELDS);

const EVENT_TYPE_PATTERN = /^[A-Za-z][A-Za-z0-9_.:-]{0,49}$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;
const MAX_ID_LENGTH = 255;
const MAX_URL_LENGTH = 2048;
/** npm's own limit on a package name is 214; a version is semver, prerelease and build included. */
const MAX_LIBRARY_NAME_LENGTH = 214;
const MAX_LIBRARY_VERSION_LENGTH = 64;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Validates one event of a request body; every problem is reported with its field, none is fatal alone. */
export function validateTrackRequest(body: unknown, limits: IngestionLimits, receivedAt: number, prefix = ''): ValidationResult {
  const errors: FieldError[] = [];
  const fail = (field: string, reason: string): void => {
    errors.push({ field: `${prefix}${field}`, reason });
  };
  if (!isPlainObject(body)) {
    fail(prefix ? '(event)' : '(body)', 'must be a JSON object');
    return { ok: false, errors };
  }
  for (const key of Object.keys(body)) {
    if (!KNOWN_FIELDS.has(key)) fail(key, `is not a known field (known: ${FIELDS.join(', ')})`);
  }

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
  const url = (field: string, value: unknown): URL | null => {
    const raw = text(field, value, MAX_URL_LENGTH);
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
  const timestamp = (field: string, value: unknown): number | null => {
    if (value === undefined || value === null) return null;
    if (typeof value !== 'string' || !RFC3339.test(value) || Number.isNaN(Date.parse(value))) {
      fail(field, 'must be an RFC 3339 date-time such as 2024-12-28T10:30:00Z');
      return null;
    }
    return Date.parse(value);
  };
  const alias = (primary: string, secondary: string): unknown => {
    if (body[primary] !== undefined && body[secondary] !== undefined) fail(secondary, `is an alias of ${primary}; send only one`);
    return body[primary] ?? body[secondary];
  };

  const eventType = body['event_type'];
  if (eventType === undefined || eventType === null || eventType === '') fail('event_type', 'is required');
  else if (typeof eventType !== 'string' || !EVENT_TYPE_PATTERN.test(eventType)) {
    fail('event_type', 'must start with a letter and hold at most 50 letters, digits, _ . : or -');
  }

  const dataField = body['event_data'] !== undefined ? 'event_data' : 'properties';
  const rawData = alias('event_data', 'properties') ?? {};
  let eventData: Record<string, unknown> = {};
  let eventDataJson = '{}';
  if (!isPlainObject(rawData)) fail(dataField, 'must be a JSON object');
  else {
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
  const identifier = (key: string): string | null =>
    body[key] !== undefined ? text(key, body[key]) : text(`${dataField}.${key}`, fromData(key));

  const eventId = text('event_id', body['event_id'], 128);
  if (eventId !== null && !CLIENT_EVENT_ID_PATTERN.test(eventId)) {
    fail('event_id', 'must be 1-128 characters of letters, digits, . _ : or -, starting with a letter or digit');
  }

  let consentState: ConsentState | null = null;
  if (body['consent_state'] !== undefined && body['consent_state'] !== null) {
    if ((CONSENT_STATES as readonly unknown[]).includes(body['consent_state'])) consentState = body['consent_state'] as ConsentState;
    else fail('consent_state', `must be one of ${CONSENT_STATES.join(', ')}`);
  }

  let occurredAt = timestamp('occurred_at', body['occurred_at']);
  if (occurredAt === null && body['occurred_at'] === undefined && typeof eventData['timestamp'] === 'string') {
    occurredAt = timestamp(`${dataField}.timestamp`, eventData['timestamp']);
  }
  const sentAt = timestamp('sent_at', body['sent_at']);
  if (occurredAt !== null) {
    const corrected = sentAt === null ? occurredAt : occurredAt + (receivedAt - sentAt);
    if (receivedAt - corrected > limits.maxEventAgeMs) fail('occurred_at', `is more than ${Math.round(limits.maxEventAgeMs / 3_600_000)} hours in the past`);
    if (corrected - receivedAt > limits.maxClockSkewMs) fail('occurred_at', `is more than ${Math.round(limits.maxClockSkewMs / 1000)} seconds in the future`);
  }

  const pageUrl = url(body['page_url'] !== undefined ? 'page_url' : 'url', alias('page_url', 'url'));
  const referrer =
    body['referrer'] !== undefined
      ? url('referrer', body['referrer'])
      : typeof eventData['referrer'] === 'string' && URL.canParse(eventData['referrer'])
        ? url(`${dataField}.referrer`, eventData['referrer'])
        : null;
  const eventName = text(body['event_name'] !== undefined ? 'event_name' : 'name', alias('event_name', 'name'));

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
    libraryName: text('library_name', body['library_name'], MAX_LIBRARY_NAME_LENGTH),
    libraryVersion: text('library_version', body['library_version'], MAX_LIBRARY_VERSION_LENGTH),
  };
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value };
}
