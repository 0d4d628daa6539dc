import { readFileSync } from 'node:fs';
import { ConfigError } from './config-error';

export type Env = Readonly<Record<string, string | undefined>>;

interface NumberOptions {
  min?: number;
  max?: number;
}

/**
 * Reads settings from an environment map, collecting every problem instead of stopping at the
 * first, so one start-up error names all of them. Call `done()` after reading every setting.
 */
export class EnvReader {
  private readonly problems: string[] = [];

  constructor(
    private readonly app: string,
    private readonly env: Env,
  ) {}

  string(name: string, fallback: string): string {
    const raw = this.raw(name);
    return raw ?? fallback;
  }

  optionalString(name: string): string | undefined {
    return this.raw(name);
  }

  requiredString(name: string): string {
    const raw = this.raw(name);
    if (raw === undefined) {
      this.problems.push(`${name} is required`);
      return '';
    }
    return raw;
  }

  integer(name: string, fallback: number, options: NumberOptions = {}): number {
    const raw = this.raw(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value)) {
      this.problems.push(`${name} must be an integer, got "${raw}"`);
      return fallback;
    }
    if (options.min !== undefined && value < options.min) {
      this.problems.push(`${name} must be at least ${options.min}, got ${value}`);
    }
    if (options.max !== undefined && value > options.max) {
      this.problems.push(`${name} must be at most ${options.max}, got ${value}`);
    }
    return value;
  }

  port(name: string, fallback: number): number {
    return this.integer(name, fallback, { min: 0, max: 65535 });
  }

  boolean(name: string, fallback: boolean): boolean {
    const raw = this.raw(name)?.toLowerCase();
    if (raw === undefined) return fallback;
    if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
    if (['0', 'false', 'no', 'off'].includes(raw)) return false;
    this.problems.push(`${name} must be true or false, got "${raw}"`);
    return fallback;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const raw = this.raw(name);
    if (raw === undefined) return fallback;
    if ((allowed as readonly string[]).includes(raw)) return raw as T;
    this.problems.push(`${name} must be one of ${allowed.join(', ')}, got "${raw}"`);
    return fallback;
  }

  url(name: string, fallback: string, protocols: readonly string[] = ['http:', 'https:']): string {
    const raw = this.raw(name) ?? fallback;
    try {
      const url = new URL(raw);
      if (!protocols.includes(url.protocol)) {
        this.problems.push(`${name} must use ${protocols.join(' or ')}, got "${url.protocol}"`);
      }
    } catch {
      this.problems.push(`${name} must be a URL, got "${raw}"`);
    }
    return raw;
  }

  optionalUrl(name: string, protocols: readonly string[]): string | undefined {
    return this.raw(name) === undefined ? undefined : this.url(name, '', protocols);
  }

  /** Comma-separated `host:port` list. */
  hostPorts(name: string, fallback: string): string[] {
    const list = (this.raw(name) ?? fallback)
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean);
    if (list.length === 0) this.problems.push(`${name} must list at least one host:port`);
    for (const item of list) {
      if (!/^[^:\s]+:\d{1,5}$/.test(item)) this.problems.push(`${name} has "${item}", expected host:port`);
    }
    return list;
  }

  /**
   * The contents of the file a setting names (a CA, a certificate, a key), read once at start so a
   * wrong path stops the service naming the setting, not at the first TLS handshake.
   */
  optionalFile(name: string): string | undefined {
    const path = this.raw(name);
    if (path === undefined) return undefined;
    try {
      return readFileSync(path, 'utf8');
    } catch (error) {
      this.problems.push(`${name} names ${path}, which cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
      return undefined;
    }
  }

  /**
   * A secret given as `NAME` or as a file `NAME_FILE` (how Docker and Kubernetes hand secrets
   * over). Problems name the setting, never its value.
   */
  optionalSecret(name: string): string | undefined {
    const fileName = `${name}_FILE`;
    const direct = this.raw(name);
    if (direct !== undefined && this.raw(fileName) !== undefined) {
      this.problems.push(`${name} and ${fileName} are both set; give one`);
    }
    return direct ?? this.optionalFile(fileName)?.replace(/\r?\n$/, '');
  }

  /** Lets an app add a check that spans several settings. */
  problem(message: string): void {
    this.problems.push(message);
  }

  done(): void {
    if (this.problems.length > 0) throw new ConfigError(this.app, this.problems);
  }

  private raw(name: string): string | undefined {
    const value = this.env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  }
}
