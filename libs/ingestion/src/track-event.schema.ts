import { Type, type TOptional, type TSchema } from '@sinclair/typebox';
import { CLIENT_EVENT_ID_PATTERN, CONSENT_STATES } from '@tracking/contracts';
import { REASON_KEYWORD } from './schema-validator';

/*
 * One event as clients send it, as a TypeBox schema: the gateway's validator is compiled from it and
 * the OpenAPI document shows it, so the two cannot differ. What JSON Schema cannot say (an alias sent
 * with its field, URLs that parse, dates that exist and lie in the window, the size and depth of
 * event_data, identifiers lifted from event_data) is checked after it, in the validator.
 */

export const MAX_ID_LENGTH = 255;
export const MAX_URL_LENGTH = 2048;
export const MAX_EVENT_ID_LENGTH = 128;
/** npm's own limit on a package name is 214; a version is semver, prerelease and build included. */
const MAX_LIBRARY_NAME_LENGTH = 214;
const MAX_LIBRARY_VERSION_LENGTH = 64;

const NON_EMPTY = 'must be a non-empty string';
// eslint-disable-next-line no-control-regex -- control characters are exactly what this refuses
const NO_CONTROL_CHARACTERS = /^[^\u0000-\u001f\u007f]*$/.source;
export const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;
export const EVENT_TYPE_PATTERN = /^[A-Za-z][A-Za-z0-9_.:-]{0,49}$/;
const EVENT_TYPE_REASON = 'must start with a letter and hold at most 50 letters, digits, _ . : or -';

/** An optional field that may also be null (OpenAPI 3.0's `nullable`, which Ajv knows): null reads as "not sent". */
function optional(schema: Record<string, unknown>): TOptional<TSchema> {
  return Type.Optional(Type.Unsafe(schema));
}

/** A non-blank string without control characters. */
function text(maxLength: number, options: { description?: string; format?: string } = {}): TOptional<TSchema> {
  return optional({
    type: 'string',
    nullable: true,
    minLength: 1,
    maxLength,
    pattern: NO_CONTROL_CHARACTERS,
    not: { type: 'string', pattern: '^\\s*$' },
    ...options,
    [REASON_KEYWORD]: { type: NON_EMPTY, minLength: NON_EMPTY, not: NON_EMPTY, maxLength: `must be at most ${maxLength} characters`, pattern: 'must not contain control characters' },
  });
}

function timestamp(description: string): TOptional<TSchema> {
  return optional({
    type: 'string',
    nullable: true,
    format: 'date-time',
    pattern: RFC3339.source,
    description,
    [REASON_KEYWORD]: 'must be an RFC 3339 date-time such as 2024-12-28T10:30:00Z',
  });
}

function eventData(description: string): TOptional<TSchema> {
  return optional({ type: 'object', nullable: true, description, [REASON_KEYWORD]: 'must be a JSON object' });
}

// Declared in the order the validator reports problems in.
const properties = {
  event_type: Type.String({
    pattern: EVENT_TYPE_PATTERN.source,
    minLength: 1,
    maxLength: 50,
    description: 'A seed 000 type (page_view, item_interaction, ...) or a custom one',
    [REASON_KEYWORD]: { type: EVENT_TYPE_REASON, minLength: 'is required', maxLength: EVENT_TYPE_REASON, pattern: EVENT_TYPE_REASON },
  }),
  event_data: eventData('Properties, at most 16 KB (TRACKING_MAX_PROPERTIES_BYTES) and 10 levels deep; alias: properties'),
  properties: eventData('Alias of event_data (seed 002)'),
  event_id: optional({
    type: 'string',
    nullable: true,
    pattern: CLIENT_EVENT_ID_PATTERN.source,
    description: 'Your own id; retries with the same id are deduplicated',
    [REASON_KEYWORD]: { type: NON_EMPTY, pattern: `must be 1-${MAX_EVENT_ID_LENGTH} characters of letters, digits, . _ : or -, starting with a letter or digit` },
  }),
  consent_state: optional({ type: 'string', nullable: true, enum: [...CONSENT_STATES, null] }),
  occurred_at: timestamp('RFC 3339; defaults to the time received; at most 7 days in the past'),
  sent_at: timestamp('RFC 3339 by your clock; corrects clock skew'),
  page_url: text(MAX_URL_LENGTH, { format: 'uri', description: 'Absolute http(s) URL; alias: url' }),
  url: text(MAX_URL_LENGTH, { format: 'uri', description: 'Alias of page_url (seed 002)' }),
  referrer: text(MAX_URL_LENGTH, { format: 'uri' }),
  event_name: text(MAX_ID_LENGTH, { description: 'Page title or event name; alias: name' }),
  name: text(MAX_ID_LENGTH, { description: 'Alias of event_name (seed 002)' }),
  session_id: text(MAX_ID_LENGTH, { description: 'Also read from event_data.session_id' }),
  visitor_id: text(MAX_ID_LENGTH, { description: 'Also read from event_data.visitor_id' }),
  user_id: text(MAX_ID_LENGTH, { description: 'Also read from event_data.user_id' }),
  location_id: text(MAX_ID_LENGTH, { description: 'Also read from event_data.location_id' }),
  library_name: text(MAX_LIBRARY_NAME_LENGTH, { description: 'The SDK that sent the event, e.g. @tracking-platform/browser (the SDKs set it)' }),
  library_version: text(MAX_LIBRARY_VERSION_LENGTH, { description: "The SDK's version, e.g. 1.0.0" }),
};

/** Seed 000's request model, with seed 002's names accepted as aliases (url, name, properties). */
export const TrackEventSchema = Type.Object(properties, {
  additionalProperties: false,
  description: 'One event',
  [REASON_KEYWORD]: {
    required: 'is required',
    additionalProperties: `is not a known field (known: ${Object.keys(properties).join(', ')})`,
  },
});

const BATCH_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/**
 * `{ batch_id?, events[] }` (seed 000). The envelope is all or nothing; each event is judged on its
 * own, against the same event schema, so one bad event does not refuse the others.
 */
export const BulkTrackSchema = Type.Object(
  {
    batch_id: optional({
      type: 'string',
      nullable: true,
      pattern: BATCH_ID.source,
      [REASON_KEYWORD]: 'must be 1-128 characters of letters, digits, . _ : or -',
    }),
    events: Type.Array(TrackEventSchema, {
      minItems: 1,
      description: 'At most TRACKING_MAX_BULK_EVENTS (500) events; more is answered 413',
      [REASON_KEYWORD]: { type: 'must be a list of events', minItems: 'must hold at least one event' },
    }),
  },
  {
    additionalProperties: false,
    [REASON_KEYWORD]: { type: 'must be a JSON object with an "events" list', required: 'must be a list of events', additionalProperties: 'is not a known field (known: batch_id, events)' },
  },
);
