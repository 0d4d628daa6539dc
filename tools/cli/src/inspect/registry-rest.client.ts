import type { RegistrySettings } from '@tracking/config';
import { RegistryHttp } from '@tracking/kafka';
import { CliError } from '../cli-error';
import { registryUnreachable } from './connection-errors';

export interface RegisteredVersion {
  subject: string;
  version: number;
  id: number;
  /** The schema text as the registry stores it. */
  schema: string;
}

export interface CompatibilityVerdict {
  isCompatible: boolean;
  messages: string[];
}

/** Confluent's error codes for "no such subject/version": an expected answer, not a failure. */
const NOT_FOUND_CODES = new Set([40401, 40402, 40408]);

/**
 * The read side of the Confluent Schema Registry REST API that the CLI needs beyond what the
 * serde's adapter offers (it only registers and resolves ids): subjects, versions, compatibility.
 * Plain REST, so it works against Confluent, Karapace, Apicurio and the local registry alike.
 */
export class RegistryRestClient {
  private readonly http: RegistryHttp;

  constructor(
    settings: RegistrySettings,
    private readonly timeoutMs = 5000,
  ) {
    this.http = new RegistryHttp(settings);
  }

  /** Without credentials, as it may be printed. */
  get url(): string {
    return this.http.url;
  }

  async subjects(): Promise<string[]> {
    return (await this.request<string[]>('GET', '/subjects')) ?? [];
  }

  /** Version numbers of a subject, or undefined when the subject is not registered. */
  versions(subject: string): Promise<number[] | undefined> {
    return this.request<number[]>('GET', `/subjects/${encodeURIComponent(subject)}/versions`);
  }

  version(subject: string, version: number | 'latest'): Promise<RegisteredVersion | undefined> {
    return this.request<RegisteredVersion>('GET', `/subjects/${encodeURIComponent(subject)}/versions/${version}`);
  }

  /** The level that applies to the subject: its own, else the global one. */
  async compatibilityLevel(subject: string): Promise<string> {
    const own = await this.request<{ compatibilityLevel: string }>('GET', `/config/${encodeURIComponent(subject)}?defaultToGlobal=true`);
    if (own) return own.compatibilityLevel;
    // Registries without defaultToGlobal answer 404 for a subject with no level of its own.
    return (await this.request<{ compatibilityLevel: string }>('GET', '/config'))?.compatibilityLevel ?? 'unknown';
  }

  /** Would `schema` be accepted as the subject's next version under its compatibility level? */
  async checkCompatibility(subject: string, schema: string): Promise<CompatibilityVerdict> {
    const answer = await this.request<{ is_compatible: boolean; messages?: string[] }>(
      'POST',
      `/compatibility/subjects/${encodeURIComponent(subject)}/versions/latest?verbose=true`,
      { schema },
    );
    if (!answer) throw new CliError(`the schema registry has no subject ${subject} to check against`);
    return { isCompatible: answer.is_compatible, messages: answer.messages ?? [] };
  }

  /** undefined for Confluent's "not found" answers; a CliError for an unreachable registry or any other failure. */
  private async request<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T | undefined> {
    let answer: { status: number; text: string };
    try {
      answer = await this.http.send(method, path, body, this.timeoutMs);
    } catch (error) {
      throw registryUnreachable(this.url, error);
    }
    const { status, text } = answer;
    const parsed = parseJson(text);
    if (status >= 200 && status < 300) return parsed as T;
    const code = typeof parsed === 'object' && parsed !== null ? (parsed as { error_code?: unknown }).error_code : undefined;
    if (status === 404 && typeof code === 'number' && NOT_FOUND_CODES.has(code)) return undefined;
    const message = typeof parsed === 'object' && parsed !== null ? String((parsed as { message?: unknown }).message ?? text) : text;
    throw new CliError(
      `schema registry at ${this.url} answered ${status} to ${method} ${path}: ${message}`,
      status === 401 || status === 403
        ? 'Check SCHEMA_REGISTRY_USERNAME and SCHEMA_REGISTRY_PASSWORD (or SCHEMA_REGISTRY_PASSWORD_FILE).'
        : status === 404
          ? 'Is --registry the registry itself (not a proxy path)?'
          : undefined,
    );
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
