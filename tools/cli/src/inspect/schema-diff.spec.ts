import { diffAvroSchemas, sameSchema } from './schema-diff';

describe(diffAvroSchemas.name, () => {
  const record = (fields: unknown[], extra: Record<string, unknown> = {}) => ({ type: 'record', name: 'Event', namespace: 'io.example', fields, ...extra });
  const id = { name: 'id', type: 'string' };

  it('finds nothing between identical schemas, docs aside', () => {
    expect(diffAvroSchemas(record([id]), record([{ ...id, doc: 'the id' }]))).toEqual([]);
  });

  it('reports added fields with whether old records stay readable', () => {
    const sut = diffAvroSchemas(record([id]), record([id, { name: 'plan', type: ['null', 'string'], default: null }, { name: 'score', type: 'int' }]));
    expect(sut).toEqual([
      { path: 'plan', kind: 'added', after: 'null | string', note: 'default null' },
      { path: 'score', kind: 'added', after: 'int', note: expect.stringMatching(/^no default/) },
    ]);
  });

  it('reports removed fields', () => {
    expect(diffAvroSchemas(record([id, { name: 'old', type: 'long' }]), record([id]))).toEqual([{ path: 'old', kind: 'removed', before: 'long' }]);
  });

  it('reports type changes, logical types included, and default changes', () => {
    const before = record([{ name: 'at', type: 'long' }, { name: 'tier', type: 'string', default: 'free' }]);
    const after = record([{ name: 'at', type: { type: 'long', logicalType: 'timestamp-millis' } }, { name: 'tier', type: 'string', default: 'basic' }]);
    expect(diffAvroSchemas(before, after)).toEqual([
      { path: 'at', kind: 'type-changed', before: 'long', after: 'long (timestamp-millis)' },
      { path: 'tier', kind: 'default-changed', before: '"free"', after: '"basic"' },
    ]);
  });

  it('reports a field renamed through an alias as one rename, not a removal and an addition', () => {
    const sut = diffAvroSchemas(record([{ name: 'url', type: 'string' }]), record([{ name: 'page_url', type: 'string', aliases: ['url'] }]));
    expect(sut).toEqual([{ path: 'page_url', kind: 'renamed', before: 'url', after: 'page_url', note: expect.any(String) }]);
  });

  it('goes into nested records, in unions, arrays and maps, and resolves references by name', () => {
    const address = (fields: unknown[]) => ({ type: 'record', name: 'Address', fields });
    const before = record([
      { name: 'home', type: ['null', address([{ name: 'city', type: 'string' }])], default: null },
      { name: 'others', type: { type: 'array', items: 'Address' } },
    ]);
    const after = record([
      { name: 'home', type: ['null', address([{ name: 'city', type: 'string' }, { name: 'zip', type: 'string', default: '' }])], default: null },
      { name: 'others', type: { type: 'array', items: 'io.example.Address' } },
    ]);
    expect(diffAvroSchemas(before, after)).toEqual([
      { path: 'home.zip', kind: 'added', after: 'string', note: 'default ""' },
      { path: 'others[].zip', kind: 'added', after: 'string', note: 'default ""' },
    ]);
  });

  it('shows enum symbol changes as a type change', () => {
    const kind = (symbols: string[]) => ({ name: 'kind', type: { type: 'enum', name: 'Kind', symbols } });
    expect(diffAvroSchemas(record([kind(['A', 'B'])]), record([kind(['A', 'B', 'C'])]))).toEqual([
      { path: 'kind', kind: 'type-changed', before: 'enum Kind [A, B]', after: 'enum Kind [A, B, C]' },
    ]);
  });

  it('reports a renamed top-level record', () => {
    expect(diffAvroSchemas(record([id]), record([id], { name: 'Event2' }))).toEqual([
      { path: '(root)', kind: 'record-renamed', before: 'io.example.Event', after: 'io.example.Event2' },
    ]);
  });

  it('stops at recursive types', () => {
    const node = (extra: unknown[]) => ({ type: 'record', name: 'Node', fields: [{ name: 'next', type: ['null', 'Node'], default: null }, ...extra] });
    expect(diffAvroSchemas(node([]), node([{ name: 'v', type: 'int', default: 0 }]))).toEqual([{ path: 'v', kind: 'added', after: 'int', note: 'default 0' }]);
  });

  it('compares schemas that are not records by their type', () => {
    expect(diffAvroSchemas('string', 'string')).toEqual([]);
    expect(diffAvroSchemas('string', ['null', 'string'])).toEqual([{ path: '(root)', kind: 'type-changed', before: 'string', after: 'null | string' }]);
  });
});

describe(sameSchema.name, () => {
  it('ignores whitespace but not content', () => {
    expect(sameSchema('{ "type": "string" }', '{"type":"string"}')).toBe(true);
    expect(sameSchema('{"type":"string"}', '{"type":"int"}')).toBe(false);
  });
});
