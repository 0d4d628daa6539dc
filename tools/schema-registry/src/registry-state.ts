import { type CompatibilityLevel, parseCompatibilityLevel } from './compatibility';

/** Keys and values in the storage topic follow Confluent's `_schemas` layout. */
export type LogKey =
  | { keytype: 'SCHEMA'; subject: string; version: number; magic: 1 }
  | { keytype: 'CONFIG'; subject: string | null; magic: 0 };

export interface SchemaValue {
  subject: string;
  version: number;
  id: number;
  schema: string;
  deleted: boolean;
}

export interface ConfigValue {
  compatibilityLevel: CompatibilityLevel;
}

export type SchemaVersion = SchemaValue;

/** Stable text for comparing schemas: key order and whitespace do not make two schemas different. */
export function canonicalSchema(schema: string): string {
  const sortKeys = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(sortKeys);
    if (value && typeof value === 'object') {
      return Object.fromEntries(
        Object.keys(value as Record<string, unknown>)
          .sort()
          .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
      );
    }
    return value;
  };
  return JSON.stringify(sortKeys(JSON.parse(schema)));
}

/**
 * The registry's state, rebuilt by applying the storage topic from its first record. Pure: no I/O,
 * so replaying the same log always yields the same ids and versions.
 */
export class RegistryState {
  private readonly subjects = new Map<string, Map<number, SchemaVersion>>();
  private readonly configs = new Map<string | null, CompatibilityLevel>();
  private readonly idByCanonical = new Map<string, number>();
  private readonly schemaById = new Map<number, string>();
  private highestId = 0;

  apply(key: LogKey, value: unknown): void {
    if (key.keytype === 'CONFIG') {
      const level = value === null ? undefined : parseCompatibilityLevel((value as ConfigValue).compatibilityLevel);
      if (level) this.configs.set(key.subject, level);
      else this.configs.delete(key.subject);
      return;
    }
    const versions = this.subjects.get(key.subject) ?? new Map<number, SchemaVersion>();
    this.subjects.set(key.subject, versions);
    if (value === null) {
      versions.delete(key.version);
      if (versions.size === 0) this.subjects.delete(key.subject);
      return;
    }
    const schema = value as SchemaValue;
    versions.set(schema.version, { ...schema });
    this.schemaById.set(schema.id, schema.schema);
    this.idByCanonical.set(canonicalSchema(schema.schema), schema.id);
    this.highestId = Math.max(this.highestId, schema.id);
  }

  nextId(): number {
    return this.highestId + 1;
  }

  idOf(schema: string): number | undefined {
    return this.idByCanonical.get(canonicalSchema(schema));
  }

  schemaText(id: number): string | undefined {
    return this.schemaById.get(id);
  }

  subjectNames(includeDeleted: boolean): string[] {
    return [...this.subjects.keys()].filter((subject) => this.versions(subject, includeDeleted).length > 0).sort();
  }

  /** Versions of a subject, oldest first. */
  versions(subject: string, includeDeleted: boolean): SchemaVersion[] {
    const versions = [...(this.subjects.get(subject)?.values() ?? [])].sort((a, b) => a.version - b.version);
    return includeDeleted ? versions : versions.filter((version) => !version.deleted);
  }

  hasSubject(subject: string): boolean {
    return this.subjects.has(subject);
  }

  nextVersion(subject: string): number {
    const versions = this.versions(subject, true);
    return versions.length === 0 ? 1 : versions[versions.length - 1].version + 1;
  }

  usages(id: number): SchemaVersion[] {
    const found: SchemaVersion[] = [];
    for (const versions of this.subjects.values()) {
      for (const version of versions.values()) if (version.id === id && !version.deleted) found.push(version);
    }
    return found.sort((a, b) => a.subject.localeCompare(b.subject) || a.version - b.version);
  }

  subjectConfig(subject: string): CompatibilityLevel | undefined {
    return this.configs.get(subject);
  }

  globalConfig(): CompatibilityLevel | undefined {
    return this.configs.get(null);
  }

  allVersions(): SchemaVersion[] {
    return [...this.subjects.values()].flatMap((versions) => [...versions.values()]);
  }
}
