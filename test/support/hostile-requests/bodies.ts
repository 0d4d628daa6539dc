import { nestedArrays } from './json-text';
import type { Prng } from './prng';

// Bodies: wrongly encoded, truncated, padded, compressed.

const INVALID_UTF8 = [
  Buffer.from([0x80]),
  Buffer.from([0xff]),
  Buffer.from([0xc0, 0xaf]),
  Buffer.from([0xe0, 0x80, 0xaf]),
  Buffer.from([0xed, 0xa0, 0x80]),
  Buffer.from([0xf4, 0x90, 0x80, 0x80]),
  Buffer.from([0xf8, 0x88, 0x80, 0x80, 0x80]),
  Buffer.from([0xfe, 0xfe, 0xff, 0xff]),
];

export interface Body {
  bytes: Buffer;
  kind: string;
  /** Still the JSON text of the value it was made from (so the value decides validity). */
  intact: boolean;
}

function insertAt(bytes: Buffer, at: number, insert: Buffer): Buffer {
  return Buffer.concat([bytes.subarray(0, at), insert, bytes.subarray(at)]);
}

/** Byte-level damage to a JSON text; only applied where the value is broken robustly. */
export function damage(rng: Prng, text: string): Body {
  const bytes = Buffer.from(text, 'utf8');
  const at = 1 + rng.int(Math.max(1, bytes.length - 1));
  return rng.pick<() => Body>([
    () => ({ bytes: insertAt(bytes, at, rng.pick(INVALID_UTF8)), kind: 'invalid UTF-8', intact: false }),
    () => ({ bytes: insertAt(bytes, at, Buffer.from([0x00])), kind: 'raw NUL byte', intact: false }),
    () => ({ bytes: bytes.subarray(0, at), kind: 'truncated JSON', intact: false }),
    () => ({ bytes: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes]), kind: 'byte order mark', intact: false }),
    () => ({ bytes: Buffer.from(text, 'utf16le'), kind: 'UTF-16 body', intact: false }),
    () => ({ bytes: Buffer.concat([bytes, Buffer.from(rng.pick(['}', ']', '{}', ',', ' garbage', '\u0000']))]), kind: 'trailing garbage', intact: false }),
    () => ({ bytes: Buffer.from(text.replace(/"/g, "'"), 'utf8'), kind: 'single quotes', intact: false }),
    () => ({ bytes: Buffer.from(text.replace(/}$/, ',}'), 'utf8'), kind: 'trailing comma', intact: false }),
    () => ({ bytes: Buffer.from(`/* comment */${text}`, 'utf8'), kind: 'comment', intact: false }),
    () => ({ bytes: Buffer.from(text.replace(/:(\d)/, ':NaN'), 'utf8'), kind: 'NaN literal', intact: false }),
    () => ({ bytes: Buffer.concat([Buffer.from(' \n\t'.repeat(rng.int(2000))), bytes, Buffer.from('\n'.repeat(rng.int(500)))]), kind: 'whitespace padding', intact: true }),
  ])();
}

/** Bodies that hold no event at all (or not as the route expects it). */
export function nonEventBody(rng: Prng): Body {
  const text = rng.pick(['', 'null', '[]', '""', '0', 'true', '{}', '[{}]', '{"events":null}', '"{\\"event_type\\":\\"page_view\\"}"', nestedArrays(20_000).text, '{'.repeat(30_000)]);
  return { bytes: Buffer.from(text), kind: `non-event body ${JSON.stringify(text.slice(0, 12))}`, intact: true };
}

export function jsonContentType(rng: Prng): { value: string | Buffer; json: boolean } {
  return rng.pick<{ value: string | Buffer; json: boolean }>([
    { value: 'application/json', json: true },
    { value: 'application/json', json: true },
    { value: 'application/json; charset=utf-8', json: true },
    { value: 'APPLICATION/JSON', json: true },
    { value: 'application/json; charset=utf-16', json: true },
    { value: 'application/json; charset="\u0001"', json: true },
    { value: 'text/plain', json: false },
    { value: 'text/plain;charset=UTF-8', json: false },
    { value: 'application/x-www-form-urlencoded', json: false },
    { value: 'multipart/form-data; boundary=x', json: false },
    { value: 'application/xml', json: false },
    { value: 'application/jsonx', json: false },
    { value: 'application/json-patch+json', json: false },
    { value: '*/*', json: false },
    { value: '', json: false },
    { value: Buffer.from('application/json\xff', 'latin1'), json: false },
  ]);
}
