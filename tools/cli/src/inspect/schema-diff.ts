/**
 * Field-level differences between two Avro schemas (JSON as parsed): what a reviewer wants to
 * see before a schema change is deployed. Pure; compatibility itself is the registry's verdict.
 */

export type FieldChangeKind = 'added' | 'removed' | 'renamed' | 'type-changed' | 'default-changed' | 'record-renamed';

export interface FieldChange {
  /** Dotted path of the field; nested records add their field names, array items `[]`, map values `{}`. */
  path: string;
  kind: FieldChangeKind;
  /** In the registered schema (type, default or name). */
  before?: string;
  /** In the file. */
  after?: string;
  note?: string;
}

type Json = unknown;
type JsonObject = Record<string, Json>;

interface RecordSchema {
  fullName: string;
  name: string;
  fields: FieldSchema[];
  namespace: string | undefined;
}

interface FieldSchema {
  name: string;
  type: Json;
  aliases: string[];
  hasDefault: boolean;
  default: Json;
}

const PRIMITIVES = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);

function isObject(value: Json): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function fullName(name: string, namespace: string | undefined): string {
  return name.includes('.') || !namespace ? name : `${namespace}.${name}`;
}

function shortName(name: string): string {
  return name.slice(name.lastIndexOf('.') + 1);
}

/** Named types (records, enums, fixed) of one schema by full name, so references by name resolve. */
class NamedTypes {
  private readonly byName = new Map<string, { schema: JsonObject; namespace: string | undefined }>();

  constructor(root: Json) {
    this.collect(root, undefined);
  }

  resolve(reference: string, namespace: string | undefined): { schema: JsonObject; namespace: string | undefined } | undefined {
    return this.byName.get(fullName(reference, namespace)) ?? this.byName.get(reference);
  }

  private collect(schema: Json, namespace: string | undefined): void {
    if (Array.isArray(schema)) return schema.forEach((member) => this.collect(member, namespace));
    if (!isObject(schema)) return;
    const type = schema['type'];
    if ((type === 'record' || type === 'error' || type === 'enum' || type === 'fixed') && typeof schema['name'] === 'string') {
      const own = typeof schema['namespace'] === 'string' ? schema['namespace'] : namespace;
      const name = fullName(schema['name'], own);
      const inner = name.includes('.') ? name.slice(0, name.lastIndexOf('.')) : own;
      this.byName.set(name, { schema, namespace: inner });
      if (Array.isArray(schema['fields'])) for (const field of schema['fields']) if (isObject(field)) this.collect(field['type'], inner);
      return;
    }
    if (type === 'array') this.collect(schema['items'], namespace);
    else if (type === 'map') this.collect(schema['values'], namespace);
    else if (isObject(type) || Array.isArray(type)) this.collect(type, namespace);
  }
}

/** One side of the comparison: a schema with the named types it can refer to. */
class Side {
  readonly named: NamedTypes;
  constructor(readonly root: Json) {
    this.named = new NamedTypes(root);
  }

  /** A record definition reached from `schema` (a definition or a name reference), if it is one. */
  record(schema: Json, namespace: string | undefined): RecordSchema | undefined {
    let definition: Json = schema;
    let inner = namespace;
    if (typeof schema === 'string' && !PRIMITIVES.has(schema)) {
      const resolved = this.named.resolve(schema, namespace);
      if (!resolved) return undefined;
      definition = resolved.schema;
      inner = resolved.namespace;
    }
    if (!isObject(definition) || (definition['type'] !== 'record' && definition['type'] !== 'error') || typeof definition['name'] !== 'string') return undefined;
    const own = typeof definition['namespace'] === 'string' ? definition['namespace'] : inner;
    const name = fullName(definition['name'], own);
    const fieldNamespace = name.includes('.') ? name.slice(0, name.lastIndexOf('.')) : own;
    const fields = Array.isArray(definition['fields']) ? definition['fields'].filter(isObject) : [];
    return {
      fullName: name,
      name: shortName(name),
      namespace: fieldNamespace,
      fields: fields.map((field) => ({
        name: String(field['name']),
        type: field['type'],
        aliases: Array.isArray(field['aliases']) ? field['aliases'].map(String) : [],
        hasDefault: Object.prototype.hasOwnProperty.call(field, 'default'),
        default: field['default'],
      })),
    };
  }

  /** A readable, comparable rendering of a type: `null | string`, `long (timestamp-millis)`, `array<string>`, `enum Kind [A, B]`. */
  label(schema: Json, namespace: string | undefined): string {
    if (typeof schema === 'string') {
      if (PRIMITIVES.has(schema)) return schema;
      const resolved = this.named.resolve(schema, namespace);
      return resolved ? this.label(resolved.schema, resolved.namespace) : shortName(schema);
    }
    if (Array.isArray(schema)) return schema.map((member) => this.label(member, namespace)).join(' | ');
    if (!isObject(schema)) return JSON.stringify(schema);
    const type = schema['type'];
    const name = typeof schema['name'] === 'string' ? shortName(schema['name']) : '';
    switch (type) {
      case 'record':
      case 'error':
        return `record ${name}`;
      case 'enum':
        return `enum ${name} [${Array.isArray(schema['symbols']) ? schema['symbols'].join(', ') : ''}]`;
      case 'fixed':
        return `fixed ${name}(${String(schema['size'])})${typeof schema['logicalType'] === 'string' ? ` (${schema['logicalType']})` : ''}`;
      case 'array':
        return `array<${this.label(schema['items'], namespace)}>`;
      case 'map':
        return `map<${this.label(schema['values'], namespace)}>`;
      default: {
        const base = this.label(type, namespace);
        const logical = schema['logicalType'];
        if (typeof logical !== 'string') return base;
        const precision = logical === 'decimal' ? `(${String(schema['precision'])},${String(schema['scale'] ?? 0)})` : '';
        return `${base} (${logical}${precision})`;
      }
    }
  }
}

/** Records directly inside a type, each with the path suffix that reaches it: unions, array items, map values. */
function nestedRecords(side: Side, schema: Json, namespace: string | undefined, suffix = ''): Array<{ record: RecordSchema; suffix: string }> {
  const record = side.record(schema, namespace);
  if (record) return [{ record, suffix }];
  if (Array.isArray(schema)) return schema.flatMap((member) => nestedRecords(side, member, namespace, suffix));
  if (!isObject(schema)) return [];
  if (schema['type'] === 'array') return nestedRecords(side, schema['items'], namespace, `${suffix}[]`);
  if (schema['type'] === 'map') return nestedRecords(side, schema['values'], namespace, `${suffix}{}`);
  return [];
}

function renderDefault(field: FieldSchema): string {
  return field.hasDefault ? JSON.stringify(field.default) : '(none)';
}

function join(path: string, name: string): string {
  return path ? `${path}.${name}` : name;
}

function diffRecords(before: Side, after: Side, old: RecordSchema, now: RecordSchema, path: string, ancestors: Set<string>, changes: FieldChange[]): void {
  // Recursive types: a record already being compared further up this path is not entered again.
  const visit = `${old.fullName}->${now.fullName}`;
  if (ancestors.has(visit)) return;
  ancestors.add(visit);

  const oldByName = new Map(old.fields.map((field) => [field.name, field]));
  const nowNames = new Set(now.fields.map((field) => field.name));
  // A new field whose alias names an old field that is gone is that field renamed (Avro resolves aliases).
  const renamedFrom = new Map<string, FieldSchema>();
  for (const field of now.fields) {
    if (oldByName.has(field.name)) continue;
    const previous = field.aliases.map((alias) => oldByName.get(alias)).find((candidate) => candidate !== undefined && !nowNames.has(candidate.name));
    if (previous) renamedFrom.set(field.name, previous);
  }
  const renamedAway = new Set([...renamedFrom.values()].map((field) => field.name));

  for (const field of old.fields) {
    if (!nowNames.has(field.name) && !renamedAway.has(field.name)) {
      changes.push({ path: join(path, field.name), kind: 'removed', before: before.label(field.type, old.namespace) });
    }
  }
  for (const field of now.fields) {
    const previous = oldByName.get(field.name) ?? renamedFrom.get(field.name);
    const fieldPath = join(path, field.name);
    if (!previous) {
      changes.push({
        path: fieldPath,
        kind: 'added',
        after: after.label(field.type, now.namespace),
        ...(field.hasDefault ? { note: `default ${renderDefault(field)}` } : { note: 'no default: records written before cannot be read with the new schema' }),
      });
      continue;
    }
    if (previous.name !== field.name) changes.push({ path: fieldPath, kind: 'renamed', before: previous.name, after: field.name, note: 'alias keeps old records readable' });
    const oldType = before.label(previous.type, old.namespace);
    const newType = after.label(field.type, now.namespace);
    if (oldType !== newType) changes.push({ path: fieldPath, kind: 'type-changed', before: oldType, after: newType });
    if (renderDefault(previous) !== renderDefault(field)) {
      changes.push({ path: fieldPath, kind: 'default-changed', before: renderDefault(previous), after: renderDefault(field) });
    }
    const oldNested = nestedRecords(before, previous.type, old.namespace);
    for (const { record, suffix } of nestedRecords(after, field.type, now.namespace)) {
      const match = oldNested.find((candidate) => candidate.suffix === suffix && candidate.record.name === record.name);
      if (match) diffRecords(before, after, match.record, record, `${fieldPath}${suffix}`, ancestors, changes);
    }
  }
  ancestors.delete(visit);
}

/** Changes from `registered` (deployed) to `local` (the file), field by field, nested records included. */
export function diffAvroSchemas(registered: Json, local: Json): FieldChange[] {
  const before = new Side(registered);
  const after = new Side(local);
  const oldRoot = before.record(registered, undefined);
  const newRoot = after.record(local, undefined);
  if (!oldRoot || !newRoot) {
    const oldType = before.label(registered, undefined);
    const newType = after.label(local, undefined);
    return oldType === newType ? [] : [{ path: '(root)', kind: 'type-changed', before: oldType, after: newType }];
  }
  const changes: FieldChange[] = [];
  if (oldRoot.fullName !== newRoot.fullName) changes.push({ path: '(root)', kind: 'record-renamed', before: oldRoot.fullName, after: newRoot.fullName });
  diffRecords(before, after, oldRoot, newRoot, '', new Set(), changes);
  return changes;
}

/** Same schema text once both are minified (the registry stores what was registered, the file is pretty-printed). */
export function sameSchema(a: string, b: string): boolean {
  const minify = (text: string): string => {
    try {
      return JSON.stringify(JSON.parse(text));
    } catch {
      return text;
    }
  };
  return minify(a) === minify(b);
}
