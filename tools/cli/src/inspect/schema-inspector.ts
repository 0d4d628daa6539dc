import { TOPIC_DECLARATIONS, readAvroSchema, valueSubject } from '@tracking/contracts';
import { CliError } from '../cli-error';
import type { RegistryRestClient } from './registry-rest.client';
import { diffAvroSchemas, sameSchema, type FieldChange } from './schema-diff';

/** A value schema the platform declares: topic, its subject, the file in schemas/avro. */
export interface DeclaredSchema {
  topic: string;
  subject: string;
  file: string;
}

export function declaredSchemas(): DeclaredSchema[] {
  return TOPIC_DECLARATIONS.flatMap((declaration) =>
    declaration.valueSchemaFile ? [{ topic: declaration.name, subject: valueSubject(declaration.name), file: declaration.valueSchemaFile }] : [],
  );
}

/** A subject or a topic name: `tracking.events.v1` means `tracking.events.v1-value`. */
export function findDeclaredSchema(selector: string): DeclaredSchema {
  const found = declaredSchemas().find((schema) => schema.subject === selector || schema.topic === selector);
  if (!found) {
    throw new CliError(`no declared value schema for ${selector}`, `Declared subjects: ${declaredSchemas().map((schema) => schema.subject).join(', ')}`);
  }
  return found;
}

export interface SubjectListing {
  subject: string;
  registered: boolean;
  compatibility: string | null;
  versions: Array<{ version: number; id: number }>;
  /** Topic and schemas/avro file the subject belongs to, when declared. */
  topic: string | null;
  file: string | null;
  /** Whether the latest version is the file's schema; null without a file or a version. */
  latestMatchesFile: boolean | null;
}

/** Every registered subject with its versions and ids, plus declared subjects not registered yet. */
export async function listSubjects(registry: RegistryRestClient): Promise<SubjectListing[]> {
  const declared = declaredSchemas();
  const subjects = [...new Set([...(await registry.subjects()), ...declared.map((schema) => schema.subject)])].sort();
  return Promise.all(
    subjects.map(async (subject): Promise<SubjectListing> => {
      const own = declared.find((schema) => schema.subject === subject);
      const numbers = (await registry.versions(subject)) ?? [];
      const versions = await Promise.all(numbers.map((version) => registry.version(subject, version)));
      const found = versions.filter((version) => version !== undefined);
      const latest = found[found.length - 1];
      return {
        subject,
        registered: found.length > 0,
        compatibility: found.length > 0 ? await registry.compatibilityLevel(subject) : null,
        versions: found.map(({ version, id }) => ({ version, id })),
        topic: own?.topic ?? null,
        file: own?.file ?? null,
        latestMatchesFile: own && latest ? sameSchema(latest.schema, readAvroSchema(own.file).text) : null,
      };
    }),
  );
}

export interface SubjectDiff {
  subject: string;
  file: string;
  /** Latest registered version compared against; null when the subject is not registered. */
  registeredVersion: number | null;
  registeredId: number | null;
  /** identical: same schema text; changed: field changes listed; unregistered: the file would be version 1. */
  status: 'identical' | 'changed' | 'unregistered' | 'docs-only';
  changes: FieldChange[];
}

export async function diffSubject(registry: RegistryRestClient, schema: DeclaredSchema): Promise<SubjectDiff> {
  const local = readAvroSchema(schema.file).text;
  const latest = await registry.version(schema.subject, 'latest');
  if (!latest) return { subject: schema.subject, file: schema.file, registeredVersion: null, registeredId: null, status: 'unregistered', changes: [] };
  const changes = sameSchema(latest.schema, local) ? [] : diffAvroSchemas(JSON.parse(latest.schema), JSON.parse(local));
  // Text differs but no field does: docs, field order or other attributes changed.
  const status = sameSchema(latest.schema, local) ? 'identical' : changes.length > 0 ? 'changed' : 'docs-only';
  return { subject: schema.subject, file: schema.file, registeredVersion: latest.version, registeredId: latest.id, status, changes };
}

export interface SubjectCheck {
  subject: string;
  file: string;
  compatibility: string | null;
  /** unchanged: the file is the latest version; new: not registered, the file becomes version 1. */
  status: 'unchanged' | 'compatible' | 'incompatible' | 'new';
  latestVersion: number | null;
  /** The registry's reasons when incompatible. */
  messages: string[];
}

/** Would each declared schema file be accepted as the next version of its subject? The registry decides. */
export async function checkSubject(registry: RegistryRestClient, schema: DeclaredSchema): Promise<SubjectCheck> {
  const local = readAvroSchema(schema.file).text;
  const latest = await registry.version(schema.subject, 'latest');
  const base = { subject: schema.subject, file: schema.file };
  if (!latest) return { ...base, compatibility: null, status: 'new', latestVersion: null, messages: [] };
  const compatibility = await registry.compatibilityLevel(schema.subject);
  if (sameSchema(latest.schema, local)) return { ...base, compatibility, status: 'unchanged', latestVersion: latest.version, messages: [] };
  const verdict = await registry.checkCompatibility(schema.subject, local);
  return {
    ...base,
    compatibility,
    status: verdict.isCompatible ? 'compatible' : 'incompatible',
    latestVersion: latest.version,
    messages: verdict.messages,
  };
}
