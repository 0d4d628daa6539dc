/*
 * JSON written by hand: literals JSON.stringify cannot produce (1e309, -0), duplicate keys, and
 * `__proto__` as an ordinary key (an object literal would set the prototype instead).
 */

export class RawJson {
  constructor(readonly text: string) {}
}

export class Entries {
  constructor(readonly pairs: Array<[string, Json]> = []) {}

  set(key: string, value: Json): this {
    const at = this.pairs.findIndex(([name]) => name === key);
    if (at >= 0) this.pairs.splice(at, 1);
    this.pairs.push([key, value]);
    return this;
  }

  remove(key: string): this {
    for (let at = this.pairs.findIndex(([name]) => name === key); at >= 0; at = this.pairs.findIndex(([name]) => name === key)) this.pairs.splice(at, 1);
    return this;
  }
}

export type Json = null | boolean | number | string | Json[] | RawJson | Entries;

export function toJson(value: Json): string {
  if (value instanceof RawJson) return value.text;
  if (value instanceof Entries) return `{${value.pairs.map(([key, item]) => `${JSON.stringify(key)}:${toJson(item)}`).join(',')}}`;
  if (Array.isArray(value)) return `[${value.map(toJson).join(',')}]`;
  return JSON.stringify(value);
}

export const nestedArrays = (depth: number): RawJson => new RawJson(`${'['.repeat(depth)}${']'.repeat(depth)}`);
export const nestedObjects = (depth: number): RawJson => new RawJson(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`);
