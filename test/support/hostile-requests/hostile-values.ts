import { Entries, RawJson, nestedArrays, nestedObjects, type Json } from './json-text';
import type { Prng } from './prng';

/** Strings an event may legally carry, however odd: none of them breaks a rule on its own. */
export const LEGAL_ODD_STRINGS = [
  'plain',
  '\u202eevil\u202c',
  'مرحبا بالعالم',
  'שלום',
  'zero\u200bwidth\u200c\u200d\ufeff',
  'lone \ud800 surrogate',
  'lone \udfff low',
  'emoji 👩‍👩‍👧‍👦 family',
  'Z̴̡̛̤a̷̛͙l̸g̶o̵',
  "'; DROP TABLE analytics.events; --",
  '%_\\',
  '=cmd|calc!A1',
  '../../etc/passwd',
  '<script>alert(1)</script>',
  '__proto__',
  'constructor.prototype',
  'NaN',
  'Infinity',
  '-0',
  '\uffff\ufffe',
  'x'.repeat(250),
] as const;

/** Numbers as written: those JSON.parse turns into Infinity are caught by the gateway as out of range. */
export const LEGAL_ODD_NUMBERS = ['-0', '18446744073709551616', '9007199254740993', '1e308', '1e-400', '123456789012345678901234567890', '0.0000000000000000001'];
export const OUT_OF_RANGE_NUMBERS = ['1e309', '-1e309', '1e99999'];

/** A value where none belongs: prototype keys, deep nesting, out-of-range numbers, NUL. */
export function hostileValue(rng: Prng): Json {
  return rng.pick<() => Json>([
    () => new Entries([['polluted', true]]),
    () => new Entries([['prototype', new Entries([['polluted', true]])]]),
    () => new Entries([['__proto__', new Entries([['isAdmin', true]])]]),
    () => nestedArrays(rng.pick([11, 100, 10_000])),
    () => nestedObjects(rng.pick([11, 1000, 5000])),
    () => new RawJson(rng.pick([...OUT_OF_RANGE_NUMBERS, ...LEGAL_ODD_NUMBERS])),
    () => rng.pick(LEGAL_ODD_STRINGS),
    () => 'nul\u0000inside',
    () => null,
  ])();
}

/** Ids for a path segment: traversal, encodings a router might decode twice, NUL, overlong. */
export const HOSTILE_IDS = [
  '../../etc/passwd',
  '..%2f..%2fetc%2fpasswd',
  '%2e%2e',
  '%00',
  'key%00',
  '%ff',
  '%c0%af',
  '%ed%a0%80',
  '%E2%80%AE',
  '%20',
  'a%0d%0aSet-Cookie:%20x=1',
  '%u0000',
  '%',
  '%%',
  "'%20OR%201=1--",
  'key_0000000000000000',
  '__proto__',
  'constructor',
  'k'.repeat(300),
  'k'.repeat(9000),
  '%F0%9F%98%80',
  '.',
  '~',
] as const;

export function hostileId(rng: Prng): string {
  return rng.pick(HOSTILE_IDS);
}
