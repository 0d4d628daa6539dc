import { Agent as HttpsAgent } from 'node:https';
import { Agent, fetch } from 'undici';
import { redactedUrl, type RegistrySettings } from '@tracking/config';

export interface RegistryHttpAnswer {
  status: number;
  text: string;
}

/** What @kafkajs/confluent-schema-registry takes to reach the same registry the same way. */
export interface RegistryLibraryOptions {
  host: string;
  auth?: { username: string; password: string };
  agent?: HttpsAgent;
}

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';

/**
 * HTTP to a schema registry as every client of the platform reaches it: basic auth (Confluent Cloud,
 * Karapace, the project's own registry when configured) and, for https, the CA the settings name.
 * Credentials written into the URL itself (`https://key:secret@host`) are taken out of it and sent
 * as basic auth: fetch refuses such URLs, and the URL is printed in errors. `url` is safe to print.
 */
export class RegistryHttp {
  /** The registry's URL without credentials. */
  readonly url: string;
  private readonly auth?: { username: string; password: string };
  private readonly ca?: string;
  private readonly dispatcher?: Agent;

  constructor(settings: RegistrySettings) {
    const base = new URL(settings.url);
    const fromUrl = base.username !== '' ? { username: decodeURIComponent(base.username), password: decodeURIComponent(base.password) } : undefined;
    base.username = '';
    base.password = '';
    this.url = base.toString().replace(/\/$/, '');
    this.auth = settings.basicAuth ?? fromUrl;
    if (settings.ca !== undefined && base.protocol === 'https:') {
      this.ca = settings.ca;
      this.dispatcher = new Agent({ connect: { ca: settings.ca } });
    }
  }

  get hasCredentials(): boolean {
    return this.auth !== undefined;
  }

  async send(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown, timeoutMs = 10_000): Promise<RegistryHttpAnswer> {
    const headers: Record<string, string> = { accept: CONTENT_TYPE };
    if (body !== undefined) headers['content-type'] = CONTENT_TYPE;
    if (this.auth) headers['authorization'] = `Basic ${Buffer.from(`${this.auth.username}:${this.auth.password}`).toString('base64')}`;
    try {
      const response = await fetch(`${this.url}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
        dispatcher: this.dispatcher,
      });
      return { status: response.status, text: await response.text() };
    } catch (error) {
      throw new RegistryUnreachableError(this.url, method, path, error);
    }
  }

  libraryOptions(): RegistryLibraryOptions {
    const options: RegistryLibraryOptions = { host: this.url };
    if (this.auth) options.auth = { ...this.auth };
    if (this.ca !== undefined) options.agent = new HttpsAgent({ ca: this.ca, keepAlive: true });
    return options;
  }
}

/**
 * No HTTP answer: refused, unknown host, timeout or a TLS failure (`code` says which, e.g.
 * UNABLE_TO_VERIFY_LEAF_SIGNATURE). The message names the URL without credentials.
 */
export class RegistryUnreachableError extends Error {
  override readonly name = 'RegistryUnreachableError';
  readonly code?: string;
  /** Why, without the URL: the socket's or TLS's own message. */
  readonly reason: string;

  constructor(url: string, method: string, path: string, error: unknown) {
    const reason = socketReason(error);
    super(`the schema registry at ${redactedUrl(url)} did not answer ${method} ${path}: ${reason.message}`, { cause: error });
    this.code = reason.code;
    this.reason = reason.message;
  }
}

/** fetch() fails with a TypeError whose cause holds the socket or TLS error. */
function socketReason(error: unknown): { message: string; code?: string } {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const code = (cause as { code?: unknown } | undefined)?.code;
  const message = cause instanceof Error ? cause.message : String(cause);
  return { message: typeof code === 'string' && !message.includes(code) ? `${message} (${code})` : message, code: typeof code === 'string' ? code : undefined };
}
