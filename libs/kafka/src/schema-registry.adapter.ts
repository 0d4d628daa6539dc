import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type * as avro from 'avsc';
import { DependencyUnavailableError, SchemaNotRegisteredError, type SchemaRegistryPort } from '@tracking/contracts';
import type { RegistrySettings } from '@tracking/config';
import { RegistryHttp } from './registry-http';

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
  private readonly http: RegistryHttp;

  /** Both the library (schemas by id) and our own requests use the settings' basic auth and CA. */
  constructor(settings: RegistrySettings) {
    this.http = new RegistryHttp(settings);
    this.client = new SchemaRegistry({ ...this.http.libraryOptions(), clientId: 'tracking-platform' });
  }

  /** The registry's URL, safe to print (no credentials). */
  get url(): string {
    return this.http.url;
  }

  /** The id of `schema` among the versions of `subject`; SchemaNotRegisteredError, naming both, when it is none of them. */
  async lookup(subject: string, schema: string): Promise<number> {
    const found = await this.find(subject, schema);
    if (found) return found.id;
    const versions = await this.versions(subject);
    const latest = versions?.[versions.length - 1];
    if (latest === undefined) {
      throw new SchemaNotRegisteredError(subject, `the schema registry at ${this.http.url} has no subject ${subject}`);
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

  /** Used by readiness checks: the registry answers and accepts our credentials. */
  async ping(): Promise<void> {
    const answer = await this.http.send('GET', '/subjects', undefined, 2000);
    if (answer.status === 401 || answer.status === 403) throw new RegistryAuthenticationError(this.http.url, answer.status, this.http.hasCredentials);
    if (answer.status < 200 || answer.status >= 300) throw new Error(`schema registry answered ${answer.status}`);
  }

  private notFound(answer: RegistryAnswer): boolean {
    return answer.status === 404 && answer.code !== undefined && NOT_FOUND_CODES.has(answer.code);
  }

  private expect(answer: RegistryAnswer, what: string): unknown {
    if (answer.status >= 200 && answer.status < 300) return answer.body;
    if (answer.status === 401 || answer.status === 403) throw new RegistryAuthenticationError(this.http.url, answer.status, this.http.hasCredentials, what);
    throw new Error(`the schema registry at ${this.http.url} answered ${answer.status} when asked to ${what}: ${describe(answer.body)}`);
  }

  private async request(method: 'GET' | 'POST', path: string, body?: unknown): Promise<RegistryAnswer> {
    const { status, text } = await this.http.send(method, path, body);
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // Not JSON (a proxy's error page): kept as text for the message.
    }
    const code = typeof parsed === 'object' && parsed !== null ? (parsed as { error_code?: unknown }).error_code : undefined;
    return { status, code: typeof code === 'number' ? code : undefined, body: parsed };
  }
}

/**
 * The registry refused our credentials (401) or their rights (403). Retriable on purpose: the
 * credentials can start working without a restart (the user created, the key granted), and a
 * consumer must read the batch again then rather than dead-letter it.
 */
export class RegistryAuthenticationError extends DependencyUnavailableError {
  override readonly name = 'RegistryAuthenticationError';

  constructor(url: string, readonly status: number, sentCredentials: boolean, what?: string) {
    const refusal = status === 401 ? (sentCredentials ? 'refused the credentials' : 'requires credentials') : 'denied access';
    const hint = sentCredentials ? 'check SCHEMA_REGISTRY_USERNAME and SCHEMA_REGISTRY_PASSWORD' : 'set SCHEMA_REGISTRY_USERNAME and SCHEMA_REGISTRY_PASSWORD';
    super(`authentication failed: the schema registry at ${url} ${refusal} (HTTP ${status})${what ? ` when asked to ${what}` : ''}; ${hint}`);
  }
}

function describe(body: unknown): string {
  if (typeof body === 'object' && body !== null && 'message' in body) return String((body as { message: unknown }).message);
  return typeof body === 'string' ? body.slice(0, 500) : JSON.stringify(body);
}
