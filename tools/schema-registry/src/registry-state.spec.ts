import { RegistryState, canonicalSchema } from './registry-state';

const schema = (name: string) => JSON.stringify({ type: 'record', name, fields: [] });

describe(RegistryState.name, () => {
  const register = (sut: RegistryState, subject: string, version: number, id: number, text: string, deleted = false) =>
    sut.apply({ keytype: 'SCHEMA', subject, version, magic: 1 }, { subject, version, id, schema: text, deleted });

  it('rebuilds subjects, versions and ids from the log', () => {
    const sut = new RegistryState();
    register(sut, 'a-value', 1, 1, schema('A'));
    register(sut, 'a-value', 2, 2, schema('A2'));
    register(sut, 'b-value', 1, 1, schema('A'));
    expect(sut.subjectNames(false)).toEqual(['a-value', 'b-value']);
    expect(sut.versions('a-value', false).map((v) => v.version)).toEqual([1, 2]);
    expect(sut.idOf(schema('A'))).toBe(1);
    expect(sut.nextId()).toBe(3);
    expect(sut.usages(1).map((u) => u.subject)).toEqual(['a-value', 'b-value']);
  });

  it('hides soft-deleted versions but keeps numbering after them', () => {
    const sut = new RegistryState();
    register(sut, 'a-value', 1, 1, schema('A'));
    register(sut, 'a-value', 1, 1, schema('A'), true);
    expect(sut.versions('a-value', false)).toEqual([]);
    expect(sut.versions('a-value', true)).toHaveLength(1);
    expect(sut.nextVersion('a-value')).toBe(2);
  });

  it('forgets a permanently deleted version (tombstone)', () => {
    const sut = new RegistryState();
    register(sut, 'a-value', 1, 1, schema('A'));
    sut.apply({ keytype: 'SCHEMA', subject: 'a-value', version: 1, magic: 1 }, null);
    expect(sut.hasSubject('a-value')).toBe(false);
  });

  it('applies and removes compatibility config', () => {
    const sut = new RegistryState();
    sut.apply({ keytype: 'CONFIG', subject: null, magic: 0 }, { compatibilityLevel: 'FULL' });
    sut.apply({ keytype: 'CONFIG', subject: 'a-value', magic: 0 }, { compatibilityLevel: 'NONE' });
    expect(sut.globalConfig()).toBe('FULL');
    expect(sut.subjectConfig('a-value')).toBe('NONE');
    sut.apply({ keytype: 'CONFIG', subject: 'a-value', magic: 0 }, null);
    expect(sut.subjectConfig('a-value')).toBeUndefined();
  });
});

describe(canonicalSchema.name, () => {
  it('ignores whitespace and key order', () => {
    expect(canonicalSchema('{ "name": "A", "type": "record", "fields": [] }')).toBe(canonicalSchema('{"type":"record","fields":[],"name":"A"}'));
  });
});
