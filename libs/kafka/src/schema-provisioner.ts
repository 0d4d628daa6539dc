import { TOPIC_DECLARATIONS, readAvroSchema, valueSubject, type TopicDeclaration } from '@tracking/contracts';
import type { ConfluentSchemaRegistryAdapter } from './schema-registry.adapter';

export interface SchemaRegistration {
  subject: string;
  /** The file in schemas/avro. */
  file: string;
  /**
   * registered: a new version (or a new subject); unchanged: the file already was a version;
   * incompatible: the registry would refuse it under the subject's compatibility level, so it was not sent.
   */
  action: 'registered' | 'unchanged' | 'incompatible';
  /** The schema's id and version; for an incompatible one, null and the latest version it was checked against. */
  id: number | null;
  version: number | null;
  latestVersion: number | null;
  /** The registry's reasons for an incompatible schema. */
  messages: string[];
}

/**
 * Registers the value schema of every declared topic under `<topic>-value`, the Confluent way:
 * before deploy, by provisioning or CI, never by the services (they only look their schema up).
 * Each schema is checked against the subject's latest version first, under the compatibility level
 * the registry holds for the subject (this sets none). Running it again changes nothing.
 */
export async function registerDeclaredSchemas(
  registry: ConfluentSchemaRegistryAdapter,
  declarations: readonly TopicDeclaration[] = TOPIC_DECLARATIONS,
): Promise<SchemaRegistration[]> {
  const registrations: SchemaRegistration[] = [];
  for (const declaration of declarations) {
    if (!declaration.valueSchemaFile) continue;
    const subject = valueSubject(declaration.name);
    const { text } = readAvroSchema(declaration.valueSchemaFile);
    const base = { subject, file: declaration.valueSchemaFile, messages: [] };
    const found = await registry.find(subject, text);
    if (found) {
      registrations.push({ ...base, action: 'unchanged', id: found.id, version: found.version, latestVersion: null });
      continue;
    }
    const versions = await registry.versions(subject);
    const latest = versions?.[versions.length - 1];
    if (latest !== undefined) {
      const verdict = await registry.checkCompatibility(subject, text);
      if (!verdict.isCompatible) {
        registrations.push({ ...base, action: 'incompatible', id: null, version: null, latestVersion: latest, messages: verdict.messages });
        continue;
      }
    }
    const registered = await registry.register(subject, text);
    registrations.push({ ...base, action: 'registered', id: registered.id, version: registered.version, latestVersion: latest ?? null });
  }
  return registrations;
}

/** One line per refused schema, naming subject and version, for an error message. */
export function describeIncompatible(registrations: readonly SchemaRegistration[]): string {
  return registrations
    .filter((registration) => registration.action === 'incompatible')
    .map(
      (registration) =>
        `schemas/avro/${registration.file} is incompatible with version ${registration.latestVersion} of ${registration.subject}` +
        (registration.messages.length ? `: ${registration.messages.join('; ')}` : ''),
    )
    .join('\n');
}
