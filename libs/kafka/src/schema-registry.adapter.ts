import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type * as avro from 'avsc';
import { SchemaNotRegisteredError, type SchemaRegistryPort } from '@tracking/contracts';
import type { RegistrySettings } from '@tracking/config';

/** A schema version as the registry stores it under a subject. */
export interface RegisteredSchema {
  subject: string;
  id: number;
  version: number;
}

export interface CompatibilityVerdict {
  isCompatible: boolean;
  /** The registry's reasons when not compatible (Confluent's `verbose=true`). */
  messages: string[];
}

/** The registry refused a schema as the subject's next version (HTTP 409). */
export class SchemaIncompatibleError extends Error {
  override readonly name = 'SchemaIncompatibleError';
}

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';
/** Confluent's error codes for "no such subject", "no such version", "no such schema under the subject". */
const NOT_FOUND_CODES = new Set([40401, 40402, 40403]);

interface RegistryAnswer {
  status: number;
  code?: number;
  body: unknown;
}

/**
 * The serde's registry port, served by the Confluent REST API (Confluent, Karapace, Apicurio or the
 * local registry). Services only look their schema up: registering, and a subject's compatibility
 * level, belong to provisioning (`tracking schemas register`, `stack:up`) and the registry's owner.
 */
export class ConfluentSchemaRegistryAdapter implements SchemaRegistryPort {
  private readonly client: SchemaRegistry;

  constructor(private readonly settings: RegistrySettings) {
    this.client = new SchemaRegistry({ host: settings.url, clientId: 'tracking-platform' });
  }

  /** The id of `schema` among the versions of `subject`; SchemaNotRegisteredError, naming both, when it is none of them. */
  async lookup(subject: string, schema: string): Promise<number> {
    const found = await this.find(subject, schema);
    if (found) return found.id;
    const versions = await this.versions(subject);
    const latest = versions?.[versions.length - 1];
    if (latest === undefined) {
      throw new SchemaNotRegisteredError(subject, `the schema registry at ${this.settings.url} has no subject ${subject}`);
    }
    const verdict = await this.checkCompatibility(subject, schema);
    const relation = verdict.isCompatible
      ? `it is compatible with version ${latest}, but not registered`
      : `it is incompatible with version ${latest}${verdict.messages.length ? ` (${verdict.messages.join('; ')})` : ''}`;
    throw new SchemaNotRegisteredError(subject, `subject ${subject} has versions ${versions?.join(', ')} and none is this schema: ${relation}`);
  }

  /** The version of `subject` that is `schema`, or undefined when none is. */
  async find(subject: string, schema: string): Promise<RegisteredSchema | undefined> {
    const answer = await this.request('POST', `/subjects/${encodeURIComponent(subject)}`, { schema });
    if (this.notFound(answer)) return undefined;
    const body = this.expect(answer, `look up a schema under ${subject}`) as { id: number; version: number };
    return { subject, id: body.id, version: body.version };
  }

  /**
   * Registers `schema` under `subject` (the registry checks it against the subject's compatibility
   * level, which this leaves as it is), or finds it if already there. For provisioning only.
   */
  async register(subject: string, schema: string): Promise<RegisteredSchema> {
    const answer = await this.request('POST', `/subjects/${encodeURIComponent(subject)}/versions`, { schema });
    if (answer.status === 409) {
      throw new SchemaIncompatibleError(`the schema registry refused the schema as the next version of ${subject}: ${describe(answer.body)}`);
    }
    this.expect(answer, `register a schema under ${subject}`);
    const registered = await this.find(subject, schema);
    if (!registered) throw new Error(`the schema registry registered a schema under ${subject} but does not find it`);
    return registered;
  }

  /** Version numbers of the subject, or undefined when it has none. */
  async versions(subject: string): Promise<number[] | undefined> {
    const answer = await this.request('GET', `/subjects/${encodeURIComponent(subject)}/versions`);
    if (this.notFound(answer)) return undefined;
    return this.expect(answer, `list the versions of ${subject}`) as number[];
  }

  /** Would `schema` be accepted as the subject's next version under its compatibility level? */
  async checkCompatibility(subject: string, schema: string): Promise<CompatibilityVerdict> {
    const answer = await this.request('POST', `/compatibility/subjects/${encodeURIComponent(subject)}/versions/latest?verbose=true`, { schema });
    const body = this.expect(answer, `check a schema against ${subject}`) as { is_compatible: boolean; messages?: string[] };
    return { isCompatible: body.is_compatible, messages: body.messages ?? [] };
  }

  async typeById(schemaId: number): Promise<avro.Type> {
    return (await this.client.getSchema(schemaId)) as unknown as avro.Type;
  }

  /** Used by readiness checks: any answer from the registry means it is up. */
  async ping(): Promise<void> {
    const response = await fetch(new URL('/subjects', this.settings.url), { signal: AbortSignal.timeout(2000) });
    if (!response.ok) throw new Error(`schema registry answered ${response.status}`);
  }

  private notFound(answer: RegistryAnswer): boolean {
    return answer.status === 404 && answer.code !== undefined && NOT_FOUND_CODES.has(answer.code);
  }

  private expect(answer: RegistryAnswer, what: string): unknown {
    if (answer.status >= 200 && answer.status < 300) return answer.body;
    throw new Error(`the schema registry at ${this.settings.url} answered ${answer.status} when asked to ${what}: ${describe(answer.body)}`);
  }

  private async request(method: 'GET' | 'POST', path: string, body?: unknown): Promise<RegistryAnswer> {
    let response: Response;
    try {
      response = await fetch(new URL(path, this.settings.url), {
        method,
        headers: { accept: CONTENT_TYPE, ...(body === undefined ? {} : { 'content-type': CONTENT_TYPE }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      });
    } catch (error) {
      throw new Error(`the schema registry at ${this.settings.url} did not answer ${method} ${path}: ${(error as Error).message}`, { cause: error });
    }
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // Not JSON (a proxy's error page): kept as text for the message.
    }
    const code = typeof parsed === 'object' && parsed !== null ? (parsed as { error_code?: unknown }).error_code : undefined;
    return { status: response.status, code: typeof code === 'number' ? code : undefined, body: parsed };
  }
}

function describe(body: unknown): string {
  if (typeof body === 'object' && body !== null && 'message' in body) return String((body as { message: unknown }).message);
  return typeof body === 'string' ? body.slice(0, 500) : JSON.stringify(body);
}
