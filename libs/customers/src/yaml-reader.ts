/**
 * Path-aware reads from parsed YAML, collecting every problem with the file and field it concerns,
 * so a broken customer configuration is reported in one message.
 */
export class YamlReader {
  readonly problems: string[] = [];

  constructor(private readonly file: string) {}

  object(value: unknown, path: string, required = true): Record<string, unknown> {
    if (value === undefined || value === null) {
      if (required) this.fail(path, 'is required');
      return {};
    }
    if (typeof value !== 'object' || Array.isArray(value)) {
      this.fail(path, 'must be a mapping');
      return {};
    }
    return value as Record<string, unknown>;
  }

  string(value: unknown, path: string, options: { required?: boolean; pattern?: RegExp } = {}): string | undefined {
    if (value === undefined || value === null) {
      if (options.required) this.fail(path, 'is required');
      return undefined;
    }
    if (typeof value !== 'string' || value.trim() === '') {
      this.fail(path, 'must be a non-empty string');
      return undefined;
    }
    if (options.pattern && !options.pattern.test(value)) {
      this.fail(path, `must match ${options.pattern}`);
      return undefined;
    }
    return value;
  }

  boolean(value: unknown, path: string, fallback: boolean): boolean {
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'boolean') {
      this.fail(path, 'must be true or false');
      return fallback;
    }
    return value;
  }

  integer(value: unknown, path: string, fallback: number, min = 0): number {
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
      this.fail(path, `must be an integer of at least ${min}`);
      return fallback;
    }
    return value;
  }

  array(value: unknown, path: string): unknown[] {
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) {
      this.fail(path, 'must be a list');
      return [];
    }
    return value;
  }

  strings(value: unknown, path: string): string[] {
    return this.array(value, path).flatMap((item, index) => {
      const text = this.string(item, `${path}[${index}]`);
      return text === undefined ? [] : [text];
    });
  }

  fail(path: string, message: string): void {
    this.problems.push(`${this.file}: ${path} ${message}`);
  }
}
