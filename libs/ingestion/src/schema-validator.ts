import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import type { TSchema } from '@sinclair/typebox';
import type { FieldError } from './track-request';

/**
 * An OpenAPI extension keyword on a schema: the reason its failures are reported with, one for every
 * keyword (a string) or one per keyword (`{ pattern: 'must be …' }`). The reasons are part of the
 * contract (seed 000's `details`), so they live on the schema the document is made of.
 */
export const REASON_KEYWORD = 'x-reason';
export type Reasons = string | Partial<Record<string, string>>;

/** A compiled request-body schema: the object it was compiled from, and its check. */
export interface SchemaValidator<T extends TSchema = TSchema> {
  readonly schema: T;
  /** Every problem, at most one per field, fields in the schema's order (unknown ones first); empty when valid. */
  check(value: unknown, prefix?: string): FieldError[];
}

// One Ajv for every schema: `verbose` hands each error its schema, where the reason lives.
// `format` only documents (uri, date-time): patterns and the validators' own parsing check those.
// The patterns are ASCII classes, which need no `u` flag; without it the engine runs them faster.
const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, validateFormats: false, unicodeRegExp: false, keywords: [REASON_KEYWORD, 'example'] });
const compiled = new WeakMap<TSchema, SchemaValidator>();

/** Compiles a schema once (a second call returns the same validator). */
export function schemaValidator<T extends TSchema>(schema: T): SchemaValidator<T> {
  const known = compiled.get(schema);
  if (known) return known as SchemaValidator<T>;
  const validate = ajv.compile(schema);
  const validator: SchemaValidator<T> = { schema, check: (value, prefix = '') => (validate(value) ? [] : fieldErrors(validate, schema, prefix)) };
  compiled.set(schema, validator);
  return validator;
}

/** `/events/3/page_url` as `events[3].page_url`. */
function fieldPath(pointer: string, child?: string): string {
  const segments = pointer === '' ? [] : pointer.slice(1).split('/').map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (child !== undefined) segments.push(child);
  return segments.reduce((path, segment) => (/^\d+$/.test(segment) ? `${path}[${segment}]` : path === '' ? segment : `${path}.${segment}`), '');
}

function reasonOf(error: ErrorObject): string {
  const parent = error.parentSchema as (Record<string, unknown> & { [REASON_KEYWORD]?: Reasons }) | undefined;
  const given = parent?.[REASON_KEYWORD];
  const own = typeof given === 'string' ? given : given?.[error.keyword];
  if (own !== undefined) return own;
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'type':
      return params['type'] === 'object' ? 'must be a JSON object' : params['type'] === 'array' ? 'must be a list' : `must be ${/^[aeiou]/.test(String(params['type'])) ? 'an' : 'a'} ${String(params['type'])}`;
    case 'required':
      return 'is required';
    case 'additionalProperties':
      return `is not a known field (known: ${Object.keys((parent?.['properties'] as object | undefined) ?? {}).join(', ')})`;
    case 'enum':
      return `must be one of ${(params['allowedValues'] as unknown[]).filter((value) => value !== null).join(', ')}`;
    case 'maxLength':
      return `must be at most ${String(params['limit'])} characters`;
    case 'minLength':
      return params['limit'] === 1 ? 'must not be empty' : `must be at least ${String(params['limit'])} characters`;
    case 'minItems':
      return `must hold at least ${String(params['limit'])} item${params['limit'] === 1 ? '' : 's'}`;
    case 'maximum':
    case 'minimum':
      return `must be ${error.keyword === 'maximum' ? 'at most' : 'at least'} ${String(params['limit'])}`;
    default:
      return error.message ?? 'is invalid';
  }
}

/**
 * Ajv's errors as seed 000's field errors: the first per field, the root named `(body)`, and in the
 * order a reader scans the schema (unknown fields first, then the properties as declared), so
 * the first detail, the one the message names, does not depend on Ajv's keyword order.
 */
function fieldErrors(validate: ValidateFunction, schema: TSchema, prefix: string): FieldError[] {
  const order = Object.keys((schema['properties'] as object | undefined) ?? {});
  const seen = new Set<string>();
  const errors: Array<FieldError & { rank: number }> = [];
  for (const error of validate.errors ?? []) {
    const params = error.params as Record<string, unknown>;
    const child = error.keyword === 'required' ? String(params['missingProperty']) : error.keyword === 'additionalProperties' ? String(params['additionalProperty']) : undefined;
    const path = fieldPath(error.instancePath, child);
    const field = `${prefix}${path === '' ? '(body)' : path}`;
    if (seen.has(field)) continue;
    seen.add(field);
    const top = path.split(/[.[]/)[0] ?? '';
    errors.push({ field, reason: reasonOf(error), rank: error.keyword === 'additionalProperties' && error.instancePath === '' ? -1 : order.indexOf(top) });
  }
  return errors.sort((a, b) => a.rank - b.rank).map(({ field, reason }) => ({ field, reason }));
}
