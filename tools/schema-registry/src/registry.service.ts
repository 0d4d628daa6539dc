import * as avro from 'avsc';
import {
  type CompatibilityLevel,
  DEFAULT_COMPATIBILITY,
  incompatibilities,
  parseCompatibilityLevel,
} from './compatibility';
import { RegistryError } from './registry-errors';
import { RegistryState, type SchemaVersion } from './registry-state';
import type { KafkaSchemaLog } from './schema-log';

export interface RegisterRequest {
  schema?: unknown;
  schemaType?: unknown;
  references?: unknown;
}

export type VersionSelector = number | 'latest';

const MAX_VERSION = 2 ** 31 - 1;

export function parseVersion(raw: string): VersionSelector {
  if (raw === 'latest' || raw === '-1') return 'latest';
  const version = Number(raw);
  if (!Number.isInteger(version) || version < 1 || version > MAX_VERSION) throw RegistryError.invalidVersion(raw);
  return version;
}

/** Validates the body of a register/lookup/compatibility request and parses the Avro schema. */
function parseRequest(request: RegisterRequest): { text: string; type: avro.Type } {
  if (request.schemaType !== undefined && request.schemaType !== null && request.schemaType !== 'AVRO') {
    throw RegistryError.invalidSchema(`schemaType ${JSON.stringify(request.schemaType)} is not supported; this registry stores AVRO schemas only`);
  }
  if (Array.isArray(request.references) && request.references.length > 0) {
    throw RegistryError.invalidSchema('schema references are not supported by this registry');
  }
  if (typeof request.schema !== 'string' || request.schema.trim() === '') {
    throw RegistryError.invalidSchema('the request body must have a "schema" string');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(request.schema);
  } catch (error) {
    throw RegistryError.invalidSchema(`schema is not JSON: ${(error as Error).message}`);
  }
  try {
    return { text: JSON.stringify(parsed), type: avro.Type.forSchema(parsed as avro.Schema) };
  } catch (error) {
    throw RegistryError.invalidSchema((error as Error).message);
  }
}

/**
 * Confluent Schema Registry semantics over a Kafka-backed state: global ids (one id per distinct
 * schema across subjects), per-subject versions, soft and permanent deletes, compatibility levels.
 * Writes are serialised so that ids and versions are allocated without races.
 */
export class RegistryService {
  private readonly state = new RegistryState();
  private writeQueue: Promise<unknown> = Promise.resolve();

  constructor(private readonly log: KafkaSchemaLog) {}

  async start(): Promise<void> {
    await this.log.start((key, value) => this.state.apply(key, value));
  }

  // ---- schemas ----

  schemaById(id: number): string {
    const text = this.state.schemaText(id);
    if (text === undefined) throw RegistryError.schemaNotFound(`Schema ${id} not found`);
    return text;
  }

  subjectsOfId(id: number): string[] {
    this.schemaById(id);
    return [...new Set(this.state.usages(id).map((usage) => usage.subject))];
  }

  versionsOfId(id: number): Array<{ subject: string; version: number }> {
    this.schemaById(id);
    return this.state.usages(id).map(({ subject, version }) => ({ subject, version }));
  }

  allSchemas(): SchemaVersion[] {
    return this.state.allVersions().filter((version) => !version.deleted);
  }

  // ---- subjects ----

  subjects(includeDeleted: boolean): string[] {
    return this.state.subjectNames(includeDeleted);
  }

  versions(subject: string, includeDeleted: boolean): number[] {
    const versions = this.state.versions(subject, includeDeleted);
    if (versions.length === 0) throw RegistryError.subjectNotFound(subject);
    return versions.map((version) => version.version);
  }

  version(subject: string, selector: VersionSelector, includeDeleted = false): SchemaVersion {
    const versions = this.state.versions(subject, includeDeleted);
    if (versions.length === 0) throw RegistryError.subjectNotFound(subject);
    const found = selector === 'latest' ? versions[versions.length - 1] : versions.find((version) => version.version === selector);
    if (!found) throw RegistryError.versionNotFound(subject, selector);
    return found;
  }

  lookup(subject: string, request: RegisterRequest, includeDeleted: boolean): SchemaVersion {
    const { text } = parseRequest(request);
    const versions = this.state.versions(subject, includeDeleted);
    if (versions.length === 0) throw RegistryError.subjectNotFound(subject);
    const id = this.state.idOf(text);
    const found = versions.find((version) => version.id === id);
    if (!found) throw RegistryError.schemaNotFound();
    return found;
  }

  register(subject: string, request: RegisterRequest): Promise<{ id: number }> {
    const parsed = parseRequest(request);
    return this.serialised(async () => {
      const live = this.state.versions(subject, false);
      const knownId = this.state.idOf(parsed.text);
      const existing = live.find((version) => version.id === knownId);
      if (existing) return { id: existing.id };

      const problems = incompatibilities(
        this.effectiveLevel(subject),
        parsed.type,
        live.map((version) => avro.Type.forSchema(JSON.parse(version.schema) as avro.Schema)),
      );
      if (problems.length > 0) throw RegistryError.incompatible(problems);

      const id = knownId ?? this.state.nextId();
      const version = this.state.nextVersion(subject);
      await this.log.append(
        { keytype: 'SCHEMA', subject, version, magic: 1 },
        { subject, version, id, schema: parsed.text, deleted: false },
      );
      return { id };
    });
  }

  checkCompatibility(subject: string, selector: VersionSelector, request: RegisterRequest): string[] {
    const parsed = parseRequest(request);
    const live = this.state.versions(subject, false);
    if (live.length === 0) {
      if (selector === 'latest') return [];
      throw RegistryError.subjectNotFound(subject);
    }
    const level = this.effectiveLevel(subject);
    const against = selector === 'latest' ? live : [this.version(subject, selector)];
    return incompatibilities(level, parsed.type, against.map((version) => avro.Type.forSchema(JSON.parse(version.schema) as avro.Schema)));
  }

  deleteSubject(subject: string, permanent: boolean): Promise<number[]> {
    return this.serialised(async () => {
      const all = this.state.versions(subject, true);
      if (all.length === 0) throw RegistryError.subjectNotFound(subject);
      const live = all.filter((version) => !version.deleted);
      if (permanent) {
        if (live.length > 0) throw RegistryError.subjectNotSoftDeleted(subject);
        for (const version of all) await this.log.append({ keytype: 'SCHEMA', subject, version: version.version, magic: 1 }, null);
        return all.map((version) => version.version);
      }
      if (live.length === 0) throw RegistryError.subjectSoftDeleted(subject);
      for (const version of live) {
        await this.log.append({ keytype: 'SCHEMA', subject, version: version.version, magic: 1 }, { ...version, deleted: true });
      }
      return live.map((version) => version.version);
    });
  }

  deleteVersion(subject: string, selector: VersionSelector, permanent: boolean): Promise<number> {
    return this.serialised(async () => {
      const target = this.version(subject, selector, permanent);
      const key = { keytype: 'SCHEMA', subject, version: target.version, magic: 1 } as const;
      if (permanent) {
        if (!target.deleted) throw RegistryError.versionNotSoftDeleted(subject, target.version);
        await this.log.append(key, null);
      } else {
        await this.log.append(key, { ...target, deleted: true });
      }
      return target.version;
    });
  }

  // ---- config ----

  globalLevel(): CompatibilityLevel {
    return this.state.globalConfig() ?? DEFAULT_COMPATIBILITY;
  }

  subjectLevel(subject: string, defaultToGlobal: boolean): CompatibilityLevel {
    const level = this.state.subjectConfig(subject);
    if (level) return level;
    if (defaultToGlobal) return this.globalLevel();
    throw RegistryError.subjectConfigNotFound(subject);
  }

  setLevel(subject: string | null, raw: unknown): Promise<CompatibilityLevel> {
    const level = parseCompatibilityLevel(raw);
    if (!level) throw RegistryError.invalidCompatibilityLevel(raw);
    return this.serialised(async () => {
      await this.log.append({ keytype: 'CONFIG', subject, magic: 0 }, { compatibilityLevel: level });
      return level;
    });
  }

  deleteSubjectLevel(subject: string): Promise<CompatibilityLevel> {
    return this.serialised(async () => {
      const previous = this.subjectLevel(subject, false);
      await this.log.append({ keytype: 'CONFIG', subject, magic: 0 }, null);
      return previous;
    });
  }

  private effectiveLevel(subject: string): CompatibilityLevel {
    return this.state.subjectConfig(subject) ?? this.globalLevel();
  }

  private serialised<T>(work: () => Promise<T>): Promise<T> {
    const run = this.writeQueue.then(work, work);
    this.writeQueue = run.catch(() => undefined);
    return run;
  }
}
