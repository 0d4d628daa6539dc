import { TRACKING_EVENT_SCHEMA_FILE, readAvroSchema, type TrackingEvent } from '@tracking/contracts';

/** How a column is written, decided by its Avro type. */
export type ColumnKind = 'string' | 'timestamp' | 'double' | 'boolean' | 'json';

export interface EventColumn {
  readonly name: keyof TrackingEvent;
  readonly kind: ColumnKind;
  readonly nullable: boolean;
}

/** Avro says `string`; the field's doc says JSON object text, and analysts want it as JSON. */
const JSON_TEXT_FIELDS: ReadonlySet<string> = new Set(['event_data']);

interface AvroField {
  name: string;
  type: unknown;
}

// A new schema version with a type the exports cannot map must fail at start, not write a wrong file.
function unmapped(field: AvroField): Error {
  return new Error(`exporter has no column mapping for field ${field.name} of Avro type ${JSON.stringify(field.type)}`);
}

function kindOf(field: AvroField, valueType: unknown): ColumnKind {
  if (JSON_TEXT_FIELDS.has(field.name) && valueType === 'string') return 'json';
  if (valueType === 'string' || valueType === 'double' || valueType === 'boolean') return valueType;
  if (typeof valueType === 'object' && valueType !== null) {
    const { type, logicalType } = valueType as { type?: unknown; logicalType?: unknown };
    if (type === 'long' && logicalType === 'timestamp-millis') return 'timestamp';
  }
  throw unmapped(field);
}

function columnOf(field: AvroField): EventColumn {
  const branches: unknown[] = Array.isArray(field.type) ? field.type : [field.type];
  const valueTypes = branches.filter((branch) => branch !== 'null');
  if (valueTypes.length !== 1) throw unmapped(field);
  // TrackingEvent mirrors the schema field for field (libs/contracts tests that), so the name is a key.
  return { name: field.name as keyof TrackingEvent, kind: kindOf(field, valueTypes[0]), nullable: valueTypes.length < branches.length };
}

/**
 * The columns of every export, in the Avro schema's field order, so that all four formats agree
 * with each other and with the topic, and a schema change shows up in the files without code here.
 */
export const EVENT_COLUMNS: readonly EventColumn[] = (
  JSON.parse(readAvroSchema(TRACKING_EVENT_SCHEMA_FILE).text) as { fields: AvroField[] }
).fields.map(columnOf);

/** The names of every column, in order: what `s3_export.fields` may name. */
export const EVENT_COLUMN_NAMES: readonly string[] = EVENT_COLUMNS.map((column) => column.name);

/**
 * The columns an export writes for `s3_export.fields`: those named, in the schema's order (not the
 * list's), so the same set always gives the same files whatever order the customer wrote it in.
 * Every column when `fields` is not set. Names must be known (the config parser checks them).
 */
export function selectColumns(fields: readonly string[] | undefined): readonly EventColumn[] {
  if (fields === undefined) return EVENT_COLUMNS;
  const wanted = new Set(fields);
  return EVENT_COLUMNS.filter((column) => wanted.has(column.name));
}

/** An event that cannot be written. Not retriable: the same event fails the same way every time. */
export class ExportEncodeError extends Error {
  override readonly name = 'ExportEncodeError';
  readonly retriable = false;
  constructor(
    readonly eventId: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(`event ${eventId}: ${message}`, options);
  }
}

const HOUR_MS = 3_600_000;
/** 10000-01-01T00:00:00Z: from there on toISOString writes a six-digit year with a sign. */
const YEAR_10000_MS = 253_402_300_800_000;

/**
 * The hour last formatted ("YYYY-MM-DDTHH:"): records come in about time order, so nearly every
 * timestamp of an object shares its hour with the one before, and only minutes, seconds and
 * milliseconds need writing. Date#toISOString per value was a tenth of the JSON Lines encoding.
 */
let cachedHour = Number.NaN;
let cachedHourText = '';

function twoDigits(value: number): string {
  return value < 10 ? `0${value}` : `${value}`;
}

/** The same text as toISOString for whole milliseconds in years 1970-9999, the others go through it. */
function isoText(millis: number): string {
  const hour = millis - (millis % HOUR_MS);
  if (hour !== cachedHour) {
    cachedHourText = new Date(hour).toISOString().slice(0, 14);
    cachedHour = hour;
  }
  const inHour = millis - hour;
  const ms = inHour % 1000;
  return `${cachedHourText}${twoDigits(Math.floor(inHour / 60_000))}:${twoDigits(Math.floor(inHour / 1000) % 60)}.${ms < 10 ? '00' : ms < 100 ? '0' : ''}${ms}Z`;
}

/** A timestamp column in the text formats: ISO 8601, UTC, always with milliseconds. */
export function timestampText(event: TrackingEvent, column: EventColumn): string {
  const millis = event[column.name];
  if (typeof millis === 'number' && Number.isInteger(millis) && millis >= 0 && millis < YEAR_10000_MS) return isoText(millis);
  const date = new Date(typeof millis === 'number' ? millis : Number.NaN);
  if (Number.isNaN(date.getTime())) throw new ExportEncodeError(event.event_id, `${column.name} is not a timestamp: ${String(millis)}`);
  return date.toISOString();
}

/** A JSON-text column as a value, for the formats that store real JSON rather than its text. */
export function parsedJson(event: TrackingEvent, column: EventColumn): unknown {
  const text = event[column.name];
  if (typeof text !== 'string') throw new ExportEncodeError(event.event_id, `${column.name} is not JSON text`);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ExportEncodeError(event.event_id, `${column.name} is not valid JSON`, { cause: error });
  }
}
