import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { CONSUMER_SUBSCRIPTIONS, TOPICS, type AuditRecord } from '@tracking/contracts';
import { DEV_TOKENS } from '@test/fixtures/seed-000-examples';
import { startAppProcess, type AppProcess } from '@test/support/app-process';
import { printBooks, type Books } from '@test/support/drill-books';
import { startGatewayProcess, type GatewayProcess } from '@test/support/gateway-process';
import { TEST_ADMIN_TOKEN, automationTriggerSettings, exporterSettings, vaultLoaderSettings } from '@test/support/in-process-services';
import { positionGroup } from '@test/support/kafka-inspection';
import { encodeRequest, runBounded, sendRaw, type RawAnswer, type RawOutcome, type RawRequest } from '@test/support/raw-http';
import { writeTestCustomer, type TestCustomer } from '@test/support/test-customers';
import { testEnvironment } from '@test/support/test-environment';
import { appended, decodeValues, endOffsets, mentions, recordsBetween, type EndOffsets, type RawRecord } from '@test/support/topic-ledger';

/*
 * Fault drill: thousands of malformed, oversized, mistyped, wrongly encoded and hostile requests at
 * every public endpoint of the compiled gateway (its own process, over real sockets) and at the
 * operators' endpoints of the three consuming services. The corpus comes from a seeded generator:
 * DRILL_SEED=<n> replays the same sequence of requests (with fresh customer ids and tokens),
 * DRILL_REQUESTS=<n> changes its size, DRILL_REPORT=<file> writes every bad answer, and every answer
 * slower than a second, with its request.
 *
 * What may legitimately reach Kafka (README "Audit and bad rows"): every API interaction writes one
 * record to tracking.audit.v1, and every invalid event of an AUTHENTICATED customer one record to
 * tracking.events.rejected.v1. The corpus therefore never sends an event that could be accepted:
 * whenever a request might authenticate, every event in it carries a rule it breaks. So
 * tracking.events.v1 and every other topic must get nothing from the drill; the audit topic gets at
 * most one record per request (exactly one for every answer saying audit_logged: true); the
 * rejected topic gets exactly as many records as the audit records of the drill count rejected events.
 *
 * Other drills may write to the same broker at the same time, so records are attributed rather than
 * end offsets compared blindly: the drill's gateway serves only the drill's own customers (random
 * ids), so anything it publishes names one of them, and audit records carry the request id that
 * the gateway returned in X-Request-ID.
 */

const SEED = Number(process.env['DRILL_SEED'] ?? Math.floor(Math.random() * 2 ** 31));
const REQUESTS = Number(process.env['DRILL_REQUESTS'] ?? 10_000);
const IN_FLIGHT = 24;
const HOST = '127.0.0.1';

// ---------------------------------------------------------------------------------------------
// A small seeded generator (sfc32, seeded through splitmix32): the same seed, the same corpus.

class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    let state = seed >>> 0;
    const split = (): number => {
      state = (state + 0x9e3779b9) | 0;
      let z = state;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = split();
    this.b = split();
    this.c = split();
    this.d = split();
  }

  uint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  int(max: number): number {
    return Math.floor((this.uint32() / 2 ** 32) * max);
  }

  chance(probability: number): boolean {
    return this.uint32() / 2 ** 32 < probability;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }

  hex(length: number): string {
    return Array.from({ length }, () => this.int(16).toString(16)).join('');
  }
}

// ---------------------------------------------------------------------------------------------
// JSON written by hand: literals JSON.stringify cannot produce (1e309, -0), duplicate keys, and
// `__proto__` as an ordinary key (an object literal would set the prototype instead).

class RawJson {
  constructor(readonly text: string) {}
}

class Entries {
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

type Json = null | boolean | number | string | Json[] | RawJson | Entries;

function toJson(value: Json): string {
  if (value instanceof RawJson) return value.text;
  if (value instanceof Entries) return `{${value.pairs.map(([key, item]) => `${JSON.stringify(key)}:${toJson(item)}`).join(',')}}`;
  if (Array.isArray(value)) return `[${value.map(toJson).join(',')}]`;
  return JSON.stringify(value);
}

const nestedArrays = (depth: number): RawJson => new RawJson(`${'['.repeat(depth)}${']'.repeat(depth)}`);
const nestedObjects = (depth: number): RawJson => new RawJson(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`);

/** Strings an event may legally carry, however odd: none of them breaks a rule on its own. */
const LEGAL_ODD_STRINGS = [
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
const LEGAL_ODD_NUMBERS = ['-0', '18446744073709551616', '9007199254740993', '1e308', '1e-400', '123456789012345678901234567890', '0.0000000000000000001'];
const OUT_OF_RANGE_NUMBERS = ['1e309', '-1e309', '1e99999'];

// ---------------------------------------------------------------------------------------------
// The drill's world.

interface World {
  a: TestCustomer;
  b: TestCustomer;
  /** Tracking switched off in its features.yaml. */
  off: TestCustomer;
  /** A tracking key of A made through the keys API: a second valid secret and publishable key. */
  aKey: { secret: string; publishable: string };
  /** A key of A that was revoked before the drill. */
  revoked: { secret: string; publishable: string; keyId: string };
  recentIso: () => string;
}

type Service = 'gateway' | 'vault-loader' | 'automation-trigger' | 'exporter';

interface DrillCase {
  index: number;
  service: Service;
  /** The route as the books count it, e.g. "POST /api/v1/track". */
  endpoint: string;
  /** What was hostile about it, for the failure report. */
  kinds: string[];
  request: RawRequest;
  /** Must be answered 4xx: no credentials that could authenticate, or a body that breaks a rule. */
  mustRefuse: boolean;
  /** A 2xx answer of bulk or browser ingestion must report no event processed. */
  noEventAccepted: boolean;
  /** Node closes CONNECT requests without an answer when nothing listens for them. */
  mayCloseSilently?: boolean;
}

interface Credentials {
  headers: Array<[string, string | Buffer]>;
  /** Could these credentials authenticate a customer? Then every event sent with them must be broken. */
  mayAuthenticate: boolean;
  kind: string;
}

const bearer = (token: string): [string, string] => ['Authorization', `Bearer ${token}`];

function apiCredentials(rng: Prng, world: World): Credentials {
  const { a, b, off } = world;
  const bogus = `ovt_test_${rng.hex(32)}`;
  const options: Array<() => Credentials> = [
    () => ({ headers: [['X-Customer-ID', a.id], bearer(a.token)], mayAuthenticate: true, kind: 'valid token' }),
    () => ({ headers: [['X-Customer-ID', a.id], bearer(a.token)], mayAuthenticate: true, kind: 'valid token' }),
    () => ({ headers: [['X-Customer-ID', a.id], bearer(world.aKey.secret)], mayAuthenticate: true, kind: 'valid key secret' }),
    () => ({ headers: [['X-Customer-ID', off.id], bearer(off.token)], mayAuthenticate: true, kind: 'tracking disabled' }),
    () => ({ headers: [['X-Customer-ID', a.id], bearer(b.token)], mayAuthenticate: false, kind: 'other tenant token' }),
    () => ({ headers: [['X-Customer-ID', a.id], bearer(world.revoked.secret)], mayAuthenticate: false, kind: 'revoked key secret' }),
    () => ({ headers: [['X-Customer-ID', a.id], bearer(bogus)], mayAuthenticate: false, kind: 'unknown token' }),
    () => ({ headers: [['X-Customer-ID', a.id], bearer(DEV_TOKENS.one_spa)], mayAuthenticate: false, kind: 'token of a customer this gateway lacks' }),
    () => ({ headers: [['X-Customer-ID', a.id]], mayAuthenticate: false, kind: 'no token' }),
    () => ({ headers: [bearer(a.token)], mayAuthenticate: false, kind: 'no customer header' }),
    () => ({ headers: [['X-Customer-ID', a.id], ['Authorization', 'Bearer']], mayAuthenticate: false, kind: 'empty bearer' }),
    () => ({ headers: [['X-Customer-ID', a.id], ['Authorization', `bearer ${bogus}`]], mayAuthenticate: false, kind: 'lower-case scheme' }),
    () => ({ headers: [['X-Customer-ID', a.id], ['Authorization', `Basic ${Buffer.from(`${a.id}:${bogus}`).toString('base64')}`]], mayAuthenticate: false, kind: 'basic auth' }),
    () => ({ headers: [['X-Customer-ID', a.id], bearer('x'.repeat(600))], mayAuthenticate: false, kind: 'overlong token' }),
    () => ({ headers: [['X-Customer-ID', a.id], bearer('short')], mayAuthenticate: false, kind: 'short token' }),
    () => ({ headers: [['X-Customer-ID', a.id], ['Authorization', Buffer.from(`Bearer ovt_\xff\xfe${rng.hex(20)}`, 'latin1')]], mayAuthenticate: false, kind: 'non-ASCII token' }),
    () => ({ headers: [['X-Customer-ID', 'zz_nobody'], bearer(bogus)], mayAuthenticate: false, kind: 'unknown customer' }),
    () => ({ headers: [['X-Customer-ID', a.id.toUpperCase()], bearer(a.token)], mayAuthenticate: true, kind: 'customer id in upper case' }),
    () => ({ headers: [['X-Customer-ID', `../${a.id}`], bearer(a.token)], mayAuthenticate: true, kind: 'customer id traversal' }),
    () => ({ headers: [['X-Customer-ID', 'c'.repeat(10_000)], bearer(bogus)], mayAuthenticate: false, kind: 'very long customer id' }),
    () => ({ headers: [['X-Customer-ID', '   '], bearer(a.token)], mayAuthenticate: true, kind: 'blank customer id' }),
    () => ({ headers: [['X-Customer-ID', Buffer.from(`${a.id}\xc3\xa9`, 'latin1')], bearer(a.token)], mayAuthenticate: true, kind: 'non-ASCII customer id' }),
    () => ({ headers: [['X-Customer-ID', a.id], ['X-Customer-ID', b.id], bearer(a.token)], mayAuthenticate: true, kind: 'duplicate customer headers' }),
    () => ({ headers: [['X-Customer-ID', a.id], bearer(b.token), bearer(a.token)], mayAuthenticate: true, kind: 'duplicate authorization headers' }),
    () => ({ headers: [['X-Customer-ID', a.id], bearer(`${a.token} ${b.token}`)], mayAuthenticate: true, kind: 'two tokens in one header' }),
    () => ({ headers: [['X-Customer-ID', a.id], bearer(TEST_ADMIN_TOKEN)], mayAuthenticate: false, kind: 'admin token as api token' }),
  ];
  return rng.pick(options)();
}

function adminCredentials(rng: Prng, world: World): Credentials {
  const options: Array<() => Credentials> = [
    () => ({ headers: [bearer(TEST_ADMIN_TOKEN)], mayAuthenticate: true, kind: 'admin token' }),
    () => ({ headers: [bearer(TEST_ADMIN_TOKEN)], mayAuthenticate: true, kind: 'admin token' }),
    () => ({ headers: [bearer(world.a.token)], mayAuthenticate: false, kind: 'customer token as admin token' }),
    () => ({ headers: [['X-Customer-ID', world.a.id], bearer(world.a.token)], mayAuthenticate: false, kind: 'customer credentials' }),
    () => ({ headers: [bearer(world.aKey.secret)], mayAuthenticate: false, kind: 'key secret as admin token' }),
    () => ({ headers: [], mayAuthenticate: false, kind: 'no token' }),
    () => ({ headers: [bearer(`${TEST_ADMIN_TOKEN}x`)], mayAuthenticate: false, kind: 'admin token plus a character' }),
    () => ({ headers: [bearer(TEST_ADMIN_TOKEN.slice(0, -1))], mayAuthenticate: false, kind: 'admin token minus a character' }),
    () => ({ headers: [['Authorization', `Basic ${Buffer.from(`admin:${TEST_ADMIN_TOKEN}`).toString('base64')}`]], mayAuthenticate: false, kind: 'basic auth' }),
    () => ({ headers: [['Authorization', `Bearer ${TEST_ADMIN_TOKEN} ${TEST_ADMIN_TOKEN}`]], mayAuthenticate: false, kind: 'token twice' }),
    () => ({ headers: [['Authorization', Buffer.from(`Bearer \xff${TEST_ADMIN_TOKEN}`, 'latin1')]], mayAuthenticate: false, kind: 'non-ASCII admin token' }),
    () => ({ headers: [bearer(rng.hex(48))], mayAuthenticate: false, kind: 'random token' }),
  ];
  return rng.pick(options)();
}

// ---------------------------------------------------------------------------------------------
// Events: a legal (if odd) event, then rules broken on purpose.

/** Lone surrogates cannot be percent-encoded: they stay in strings, not in URLs. */
function pathSegment(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return 'lone-surrogate';
  }
}

function legalEvent(rng: Prng, world: World): Entries {
  const event = new Entries();
  event.set('event_type', rng.pick(['page_view', 'search', 'cart_action', 'custom.evt-1:x', 'feature_usage']));
  if (rng.chance(0.7)) event.set('page_url', `${world.a.origin}/${pathSegment(rng.pick(LEGAL_ODD_STRINGS))}?q=${rng.hex(4)}`);
  const data = new Entries();
  for (let i = rng.int(5); i > 0; i--) {
    data.set(
      rng.pick(['plan', 'q', 'sku', rng.pick(LEGAL_ODD_STRINGS).slice(0, 40), `k${i}`]),
      rng.chance(0.3) ? new RawJson(rng.pick(LEGAL_ODD_NUMBERS)) : rng.chance(0.2) ? [rng.pick(LEGAL_ODD_STRINGS), null, true] : rng.pick(LEGAL_ODD_STRINGS),
    );
  }
  if (rng.chance(0.2)) data.set('nested', nestedObjects(1 + rng.int(6)));
  event.set(rng.chance(0.8) ? 'event_data' : 'properties', data);
  if (rng.chance(0.7)) event.set('session_id', rng.pick(LEGAL_ODD_STRINGS));
  if (rng.chance(0.4)) event.set('visitor_id', rng.pick(LEGAL_ODD_STRINGS));
  if (rng.chance(0.4)) event.set('event_name', rng.pick(LEGAL_ODD_STRINGS));
  if (rng.chance(0.5)) event.set('occurred_at', world.recentIso());
  if (rng.chance(0.5)) event.set('consent_state', 'granted');
  return event;
}

/** Keys that are never fields of an event: any one of them makes the event invalid, whatever else it holds. */
const UNKNOWN_KEYS = ['__proto__', 'constructor', 'prototype', '', '\u0000', 'EVENT_TYPE', 'event_type ', 'event\u200btype', 'constructor.prototype', '\ud800', 'x'.repeat(5000)];

function hostileValue(rng: Prng): Json {
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

/** Adds a key no event has: invalid whatever byte-level damage is done to the rest. */
function breakRobustly(rng: Prng, event: Entries): string {
  const key = rng.chance(0.5) ? rng.pick(UNKNOWN_KEYS) : `zz_${rng.hex(6)}`;
  event.pairs.splice(rng.int(event.pairs.length + 1), 0, [key, hostileValue(rng)]);
  return `unknown key ${JSON.stringify(key.slice(0, 20))}`;
}

/** Breaks one rule of one field; the event stays invalid as long as its bytes are sent unchanged. */
function breakOneRule(rng: Prng, event: Entries, world: World): string {
  const data = (): Entries => {
    const existing = event.pairs.find(([key]) => key === 'event_data')?.[1];
    if (existing instanceof Entries) return existing;
    event.remove('properties');
    const created = new Entries();
    event.set('event_data', created);
    return created;
  };
  const rules: Array<[string, () => void]> = [
    ['missing event_type', () => event.remove('event_type')],
    ['event_type wrong type', () => event.set('event_type', rng.pick<Json>([42, true, [], new Entries(), new RawJson('1e309'), ['page_view']]))],
    ['event_type pattern', () => event.set('event_type', rng.pick(['1page', 'page view', 'p'.repeat(51), 'page\u0000view', '\u202epage_view', 'page_view\u200b', 'ページ']))],
    ['page_url not a URL', () => event.set('page_url', rng.pick(['not a url', 'javascript:alert(1)', 'data:text/html,<b>x</b>', 'file:///etc/passwd', '//no-scheme.example/x', 'https://', `https://x.example/${'a'.repeat(2100)}`]))],
    ['page_url wrong type', () => event.set('page_url', rng.pick<Json>([1, false, [world.a.origin], new Entries([['href', world.a.origin]])]))],
    ['page_url control characters', () => event.set('page_url', `${world.a.origin}/a\r\nSet-Cookie: x=1`)],
    ['referrer not http', () => event.set('referrer', rng.pick(['ftp://files.example/x', 'mailto:a@b.example', 'chrome://settings']))],
    ['blank session_id', () => event.set('session_id', rng.pick(['', '   ', '\t']))],
    ['session_id too long', () => event.set('session_id', 's'.repeat(256 + rng.int(5000)))],
    ['session_id control character', () => event.set('session_id', rng.pick(['a\u0000b', 'a\u0007b', 'a\u001b[31mb', 'a\u007fb']))],
    ['session_id wrong type', () => event.set('session_id', rng.pick<Json>([-0, new RawJson('-0'), new RawJson('18446744073709551616'), new RawJson('1e309'), [], new Entries()]))],
    ['event_id pattern', () => event.set('event_id', rng.pick(['has space', '-leading', 'é', 'e'.repeat(129), '../x']))],
    ['consent_state value', () => event.set('consent_state', rng.pick<Json>(['maybe', 'GRANTED', 1, true]))],
    ['occurred_at too old', () => event.set('occurred_at', '2001-01-01T00:00:00Z')],
    ['occurred_at in the future', () => event.set('occurred_at', '2999-01-01T00:00:00Z')],
    ['occurred_at format', () => event.set('occurred_at', rng.pick<Json>(['yesterday', '2024-13-45T99:99:99Z', 1_700_000_000_000, 'NaN', '']))],
    ['sent_at format', () => event.set('sent_at', rng.pick<Json>(['now', 0, new RawJson('-0'), new RawJson('1e309')]))],
    ['page_url and url both', () => event.set('page_url', `${world.a.origin}/a`).set('url', `${world.a.origin}/b`)],
    ['event_data and properties both', () => event.set('event_data', new Entries()).set('properties', new Entries())],
    ['event_name too long', () => event.set('event_name', 'n'.repeat(256))],
    ['event_data not an object', () => event.remove('properties').set('event_data', rng.pick<Json>([[], 'text', 5, true, nestedArrays(3)]))],
    ['event_data __proto__ key', () => void data().set('__proto__', new Entries([['polluted', true]]))],
    ['event_data constructor.prototype', () => void data().set('constructor', new Entries([['prototype', new Entries([['polluted', true]])]]))],
    ['event_data deep', () => void data().set('deep', rng.chance(0.5) ? nestedObjects(rng.pick([11, 50, 10_000])) : nestedArrays(rng.pick([11, 50, 10_000])))],
    ['event_data NUL', () => void data().set('note', 'before\u0000after')],
    ['event_data NUL key', () => void data().set('k\u0000ey', 1)],
    ['event_data infinity', () => void data().set('huge', new RawJson(rng.pick(OUT_OF_RANGE_NUMBERS)))],
    ['event_data over 16 KB', () => void data().set('blob', 'b'.repeat(17_000 + rng.int(20_000)))],
  ];
  const [name, apply] = rng.pick(rules);
  apply();
  return name;
}

/**
 * A broken event. With `robust`, the damage survives any byte-level corruption of the body. With
 * `maxChars`, one small enough to go into a batch by the hundred (the big ones are tried alone).
 */
function brokenEvent(rng: Prng, world: World, robust: boolean, maxChars = Infinity): { event: Entries; kinds: string[] } {
  for (let attempt = 0; attempt < 20; attempt++) {
    const event = legalEvent(rng, world);
    const kinds = [robust || rng.chance(0.3) ? breakRobustly(rng, event) : breakOneRule(rng, event, world)];
    if (rng.chance(0.35)) kinds.push(breakOneRule(rng, event, world));
    if (toJson(event).length <= maxChars) return { event, kinds };
  }
  return { event: new Entries([['event_type', 'page_view'], [`zz_${rng.hex(6)}`, 1]]), kinds: ['unknown key'] };
}

// ---------------------------------------------------------------------------------------------
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

interface Body {
  bytes: Buffer;
  kind: string;
  /** Still the JSON text of the value it was made from (so the value decides validity). */
  intact: boolean;
}

function insertAt(bytes: Buffer, at: number, insert: Buffer): Buffer {
  return Buffer.concat([bytes.subarray(0, at), insert, bytes.subarray(at)]);
}

/** Byte-level damage to a JSON text; only applied where the value is broken robustly. */
function damage(rng: Prng, text: string): Body {
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
function nonEventBody(rng: Prng): Body {
  const text = rng.pick(['', 'null', '[]', '""', '0', 'true', '{}', '[{}]', '{"events":null}', '"{\\"event_type\\":\\"page_view\\"}"', nestedArrays(20_000).text, '{'.repeat(30_000)]);
  return { bytes: Buffer.from(text), kind: `non-event body ${JSON.stringify(text.slice(0, 12))}`, intact: true };
}

function jsonContentType(rng: Prng): { value: string | Buffer; json: boolean } {
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

// ---------------------------------------------------------------------------------------------
// The generators, one per endpoint family.

type Generator = (rng: Prng, world: World, index: number) => DrillCase;

const caseOf = (index: number, service: Service, endpoint: string, kinds: string[], request: RawRequest, mustRefuse: boolean, noEventAccepted = false): DrillCase => {
  // The books count a route once, whatever method was tried on it; the method is one more hostile trait.
  const routeMethod = endpoint.split(' ')[0];
  if (!request.raw && /^[A-Z]+$/.test(routeMethod ?? '') && request.method !== routeMethod) kinds.push(`method ${request.method}`);
  return { index, service, endpoint, kinds, request, mustRefuse, noEventAccepted };
};

function forwardedFor(rng: Prng): Array<[string, string]> {
  if (!rng.chance(0.5)) return [];
  return [['X-Forwarded-For', rng.pick([`203.0.113.${1 + rng.int(254)}`, `203.0.113.${1 + rng.int(254)}, 10.0.0.1`, 'not-an-ip', '2001:db8::1', '', `${'1.'.repeat(3000)}1`, '::ffff:203.0.113.9'])]];
}

/** POST /api/v1/track and /api/v1/track/async: one event, which must be refused. */
const singleEvent = (path: string): Generator => (rng, world, index) => {
  const credentials = apiCredentials(rng, world);
  const contentType = jsonContentType(rng);
  const kinds = [credentials.kind, `content-type ${String(contentType.value).slice(0, 30)}`];
  let body: Body;
  if (rng.chance(0.12)) body = nonEventBody(rng);
  else if (!credentials.mayAuthenticate && rng.chance(0.3)) {
    // Refused by authentication alone: a perfectly valid event must not be published either.
    body = { bytes: Buffer.from(toJson(legalEvent(rng, world))), kind: 'valid event', intact: true };
  } else {
    const corrupt = rng.chance(0.3);
    const { event, kinds: broken } = brokenEvent(rng, world, corrupt);
    if (rng.chance(0.05)) event.set('padding', 'p'.repeat(70_000));
    kinds.push(...broken);
    body = corrupt ? damage(rng, toJson(event)) : { bytes: Buffer.from(toJson(event)), kind: 'json', intact: true };
  }
  kinds.push(body.kind);
  const method = rng.chance(0.04) ? rng.pick(['PUT', 'PATCH', 'DELETE', 'GET']) : 'POST';
  const headers: Array<[string, string | Buffer]> = [...credentials.headers, ['Content-Type', contentType.value], ...forwardedFor(rng)];
  if (rng.chance(0.05)) headers.push(['Content-Encoding', 'gzip']);
  const bytes = headers.some(([name]) => name === 'Content-Encoding') ? gzipSync(body.bytes) : body.bytes;
  return caseOf(index, 'gateway', `POST ${path}`, kinds, { method, target: path, headers, body: bytes, chunked: rng.chance(0.1) }, true);
};

const bulk: Generator = (rng, world, index) => {
  const credentials = apiCredentials(rng, world);
  const contentType = jsonContentType(rng);
  const kinds = [credentials.kind];
  const corrupt = rng.chance(0.25);
  const envelope = new Entries();
  const count = rng.pick([1, 2, 3, 5, 10, 50, 120, 501]);
  const events: Json[] = [];
  // Over 500 events the count alone is refused, before any event is read: tiny items suffice.
  if (count > 500) events.push(...Array.from({ length: count }, (_, i) => (i % 2 === 0 ? 1 : new Entries())));
  for (let i = 0; i < Math.min(count, 60) && count <= 500; i++) {
    if (rng.chance(0.15)) events.push(rng.pick<Json>([null, 1, 'event', [], nestedArrays(count > 10 ? 50 : rng.pick([5, 10_000])), new RawJson('1e309')]));
    else events.push(brokenEvent(rng, world, corrupt, count > 10 ? 600 : 20_000).event);
  }
  // Beyond 60, the same broken events again: the count matters, not their variety.
  while (events.length < count) events.push(events[events.length % 60] ?? null);
  kinds.push(`${count} events, all broken`);
  if (rng.chance(0.7)) envelope.set('batch_id', rng.chance(0.6) ? `b-${rng.hex(8)}` : rng.pick<Json>(['has space', '', 'b'.repeat(129), 7, null, '../b', '\u202eb']));
  envelope.set('events', rng.chance(0.1) ? rng.pick<Json>([null, 'events', new Entries(), 5, []]) : events);
  if (rng.chance(0.15)) envelope.set(rng.pick(['__proto__', 'constructor', 'event', 'extra']), hostileValue(rng));
  let bytes: Buffer = Buffer.from(toJson(envelope));
  if (rng.chance(0.02)) {
    // Over TRACKING_MAX_BULK_BODY_BYTES (1 MB).
    bytes = Buffer.from(toJson(new Entries([['events', events], ['padding', 'p'.repeat(1_100_000)]])));
    kinds.push('body over 1 MB');
  } else if (corrupt) {
    const damaged = damage(rng, bytes.toString('utf8'));
    bytes = damaged.bytes;
    kinds.push(damaged.kind);
  }
  const method = rng.chance(0.03) ? rng.pick(['PUT', 'GET', 'DELETE']) : 'POST';
  const headers: Array<[string, string | Buffer]> = [...credentials.headers, ['Content-Type', contentType.value], ...forwardedFor(rng)];
  return caseOf(index, 'gateway', 'POST /api/v1/track/bulk', kinds, { method, target: '/api/v1/track/bulk', headers, body: bytes, chunked: rng.chance(0.1) }, !credentials.mayAuthenticate, true);
};

/** The browser collector: customer and publishable key in the query or the body, and an Origin. */
const collect: Generator = (rng, world, index) => {
  const { a, b } = world;
  const key = rng.pick([a.publishableKey, a.publishableKey, world.aKey.publishable, b.publishableKey, world.revoked.publishable, `pk_test_${rng.hex(20)}`, '', a.token]);
  const customer = rng.pick([a.id, a.id, a.id, b.id, 'zz_nobody', '', a.id.toUpperCase(), `${a.id}%00`]);
  const origin = rng.pick<string | Buffer | undefined>([
    a.origin,
    a.origin,
    b.origin,
    undefined,
    'null',
    `${a.origin}/`,
    a.origin.toUpperCase(),
    `${a.origin}.evil.example`,
    `https://evil.example`,
    Buffer.from(`${a.origin}\xff`, 'latin1'),
    `${a.origin}, ${b.origin}`,
  ]);
  const inQuery = rng.chance(0.5);
  const kinds = [`key ${key === a.publishableKey ? 'A' : key === b.publishableKey ? 'B' : key.slice(0, 8)}`, `customer ${customer.slice(0, 10)}`, `origin ${String(origin).slice(0, 30)}`];
  const headers: Array<[string, string | Buffer]> = [...forwardedFor(rng)];
  if (origin !== undefined) headers.push(['Origin', origin]);
  if (rng.chance(0.05)) headers.push(['Origin', b.origin]);
  // Node joins repeated Origin headers with ", ": the origin the gateway judges is that whole value.
  const origins = headers.filter(([name]) => name === 'Origin').map(([, value]) => (Buffer.isBuffer(value) ? value.toString('latin1') : value));
  const effectiveOrigin = origins.length === 0 ? undefined : origins.join(', ');
  const mayAuthenticate =
    ((key === a.publishableKey || key === world.aKey.publishable) && customer === a.id && effectiveOrigin === a.origin) ||
    (key === b.publishableKey && customer === b.id && effectiveOrigin === b.origin);
  if (rng.chance(0.08)) {
    // CORS preflight: carries no body and must not reflect an origin the customer does not allow.
    const target = rng.chance(0.5) ? `/api/v1/tracking/collect?customer_id=${encodeURIComponent(customer)}` : '/api/v1/tracking/collect';
    headers.push(['Access-Control-Request-Method', rng.pick(['POST', 'DELETE', 'P\u00d6ST'])]);
    return caseOf(index, 'gateway', 'OPTIONS /api/v1/tracking/collect', [...kinds, 'preflight'], { method: 'OPTIONS', target, headers }, effectiveOrigin !== a.origin && effectiveOrigin !== b.origin);
  }
  const corrupt = rng.chance(0.25);
  const count = rng.pick([1, 1, 2, 5, 51]);
  const events: Entries[] = Array.from({ length: count }, () => {
    const { event, kinds: broken } = brokenEvent(rng, world, corrupt, count > 5 ? 1500 : Infinity);
    kinds.push(...broken.slice(0, 1));
    return event;
  });
  const body = events.length === 1 && rng.chance(0.6) ? (events[0] as Entries) : new Entries([['events', events]]);
  if (!inQuery) body.set(rng.pick(['customer_id', 'firm_slug']), customer).set(rng.pick(['publishable_key', 'tracking_key']), key);
  if (rng.chance(0.1)) body.set('tracking_key_id', hostileValue(rng));
  const target = inQuery ? `/api/v1/tracking/collect?customer_id=${encodeURIComponent(customer)}&key=${encodeURIComponent(key)}${rng.chance(0.1) ? `&customer_id=${b.id}` : ''}` : '/api/v1/tracking/collect';
  const contentType = rng.chance(0.5) ? { value: 'text/plain;charset=UTF-8', json: true } : jsonContentType(rng);
  headers.push(['Content-Type', contentType.value]);
  let bytes: Buffer = Buffer.from(toJson(body));
  if (corrupt) {
    const damaged = damage(rng, bytes.toString('utf8'));
    bytes = damaged.bytes;
    kinds.push(damaged.kind);
  } else if (rng.chance(0.04)) {
    bytes = Buffer.from(toJson(body.set('padding', 'p'.repeat(70_000))));
    kinds.push('body over 64 KB');
  }
  const method = rng.chance(0.03) ? rng.pick(['PUT', 'GET', 'DELETE']) : 'POST';
  return caseOf(index, 'gateway', 'POST /api/v1/tracking/collect', kinds, { method, target, headers, body: bytes }, !mayAuthenticate, true);
};

const HOSTILE_IDS = [
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

function hostileId(rng: Prng): string {
  return rng.pick(HOSTILE_IDS);
}

/** The keys API (admin only). With the admin token, only requests that change nothing. */
const keys: Generator = (rng, world, index) => {
  const credentials = adminCredentials(rng, world);
  const admin = credentials.mayAuthenticate;
  const kinds = [credentials.kind];
  const headers: Array<[string, string | Buffer]> = [...credentials.headers, ...forwardedFor(rng)];
  const action = rng.int(5);
  if (action === 0) {
    // Create: with the admin token the body always fails (bad or unknown customer, bad description).
    const body = new Entries();
    const invalid = rng.pick<Array<[string, Json]>>([
      [['customer_id', rng.pick<Json>(['', 'UPPER', 'has space', '../x', 'z'.repeat(101), 5, null, [], new Entries(), '\u0000'])]],
      [['customer_id', `zz_${rng.hex(8)}`]],
      [['customer_id', world.a.id], ['description', rng.pick<Json>(['d'.repeat(201), 5, [], new Entries(), true])]],
      [['description', 'no customer']],
    ]);
    for (const [key, value] of invalid) body.set(key, value);
    if (!admin && rng.chance(0.5)) body.set('customer_id', world.a.id).set('description', rng.pick(LEGAL_ODD_STRINGS));
    if (rng.chance(0.2)) body.set('__proto__', new Entries([['customer_id', world.a.id]]));
    let bytes: Buffer = Buffer.from(toJson(rng.chance(0.1) ? rng.pick<Json>([[], 'x', 5, null]) : body));
    if (rng.chance(0.15)) bytes = damage(rng, bytes.toString()).bytes;
    const contentType = jsonContentType(rng);
    headers.push(['Content-Type', contentType.value]);
    kinds.push('create with a bad body');
    return caseOf(index, 'gateway', 'POST /api/v1/tracking/keys', kinds, { method: 'POST', target: '/api/v1/tracking/keys', headers, body: bytes }, true);
  }
  if (action === 1) {
    const customer = rng.pick(['', 'UPPER', '%00', `zz_${rng.hex(6)}`, world.a.id, world.b.id, `${world.a.id}&customer_id=${world.b.id}`, '../x', 'c'.repeat(5000)]);
    const target = rng.chance(0.1) ? '/api/v1/tracking/keys' : `/api/v1/tracking/keys?customer_id=${customer}`;
    const listsReal = admin && (customer === world.a.id || customer === world.b.id) && target.includes('=');
    kinds.push(`list ${customer.slice(0, 20)}`);
    return caseOf(index, 'gateway', 'GET /api/v1/tracking/keys', kinds, { method: 'GET', target, headers }, !listsReal);
  }
  if (action === 2 || action === 3) {
    // Rotate: an id that does not exist (or cannot), or an overlap out of range.
    const keyId = hostileId(rng);
    const overlap = rng.pick<Json>([new RawJson('-1'), new RawJson('1e309'), new RawJson('-0'), new RawJson('2592001'), '60', 1.5, null, 60]);
    const bytes = Buffer.from(toJson(new Entries([['overlap_seconds', overlap]])));
    headers.push(['Content-Type', 'application/json']);
    kinds.push(`rotate ${keyId.slice(0, 20)}`);
    return caseOf(index, 'gateway', 'POST /api/v1/tracking/keys/:keyId/rotate', kinds, { method: 'POST', target: `/api/v1/tracking/keys/${keyId}/rotate`, headers, body: rng.chance(0.8) ? bytes : undefined }, true);
  }
  const keyId = rng.chance(0.9) ? hostileId(rng) : admin ? `key_${rng.hex(16)}` : world.revoked.keyId;
  kinds.push(`revoke ${keyId.slice(0, 20)}`);
  return caseOf(index, 'gateway', 'DELETE /api/v1/tracking/keys/:keyId', kinds, { method: 'DELETE', target: `/api/v1/tracking/keys/${keyId}`, headers }, true);
};

/** Query strings of the read API, hostile and otherwise. */
function readQuery(rng: Prng): { query: string; bad: boolean } {
  const parts: string[] = [];
  let bad = false;
  for (let i = rng.int(4); i >= 0; i--) {
    const [part, isBad] = rng.pick<[string, boolean]>([
      ['window=7', false],
      ['window=90d', false],
      [`window=${rng.pick(['0', '-7', '1e309', 'NaN', '7.0', '%00', '3650', 'seven', '7%00'])}`, true],
      ['window=7&window=30', true],
      ['window[]=7', false],
      [`limit=${rng.pick(['0', '101', '-1', '1e2', 'NaN', '10.5', '%20', '999999999999'])}`, true],
      ['limit=100', false],
      [`url=${rng.pick(['javascript:alert(1)', 'ftp%3A%2F%2Fx', 'no-slash', '%ff', encodeURIComponent(`https://x.example/${'a'.repeat(2100)}`)])}`, true],
      [`url=${rng.pick(['%2F%25', '%2F_%25_', '/%00', encodeURIComponent('/\u202e'), '/..%2F..%2F', encodeURIComponent("/'; DROP TABLE x;--")])}`, false],
      [`event_name=${encodeURIComponent('n'.repeat(256))}`, true],
      [`event_type=${encodeURIComponent('t'.repeat(51))}`, true],
      [`event_type=${rng.pick(['page_view', '%00', '%E2%80%AE', '__proto__'])}`, false],
      ['__proto__[polluted]=1', false],
      ['constructor[prototype][polluted]=1', false],
      [`${'x'.repeat(2000)}=1`, false],
      ['&&&==&', false],
    ]);
    parts.push(part);
    bad ||= isBad;
  }
  return { query: parts.join('&'), bad };
}

const read = (path: string): Generator => (rng, world, index) => {
  const credentials = apiCredentials(rng, world);
  const { query, bad: badFilter } = readQuery(rng);
  // Only the analytics routes take filters; status and dashboard ignore a query string.
  const bad = badFilter && path.startsWith('/api/v1/tracking/analytics');
  const method = rng.chance(0.08) ? rng.pick(['POST', 'PUT', 'DELETE', 'HEAD', 'PATCH']) : 'GET';
  const headers: Array<[string, string | Buffer]> = [...credentials.headers, ...forwardedFor(rng)];
  const body = method !== 'GET' && method !== 'HEAD' && rng.chance(0.5) ? Buffer.from(toJson(legalEvent(rng, world))) : undefined;
  if (body) headers.push(['Content-Type', 'application/json']);
  return caseOf(index, 'gateway', `GET ${path}`, [credentials.kind, `query ${query.slice(0, 40)}`], { method, target: `${path}?${query}`, headers, body }, !credentials.mayAuthenticate || bad || (method !== 'GET' && method !== 'HEAD'));
};

const trackingConfig: Generator = (rng, world, index) => {
  const credentials = apiCredentials(rng, world);
  const id = rng.chance(0.4) ? world.a.id : rng.chance(0.3) ? world.b.id : hostileId(rng);
  const method = rng.chance(0.08) ? rng.pick(['POST', 'PUT', 'DELETE', 'HEAD']) : 'GET';
  return caseOf(
    index,
    'gateway',
    'GET /api/v1/customer/:customerId/tracking-config',
    [credentials.kind, `path ${id.slice(0, 20)}`],
    { method, target: `/api/v1/customer/${id}/tracking-config`, headers: [...credentials.headers, ...forwardedFor(rng)] },
    !credentials.mayAuthenticate || id !== world.a.id || (method !== 'GET' && method !== 'HEAD'),
  );
};

const health: Generator = (rng, world, index) => {
  const id = rng.chance(0.3) ? rng.pick([world.a.id, world.off.id]) : hostileId(rng);
  const method = rng.chance(0.1) ? rng.pick(['POST', 'PUT', 'DELETE', 'HEAD', 'OPTIONS']) : 'GET';
  const headers: Array<[string, string | Buffer]> = rng.chance(0.3) ? apiCredentials(rng, world).headers : [];
  const known = id === world.a.id || id === world.off.id;
  return caseOf(index, 'gateway', 'GET /health/:customerId', [`path ${id.slice(0, 20)}`], { method, target: `/health/${id}${rng.chance(0.2) ? '?verbose=1&__proto__=x' : ''}`, headers: [...headers, ...forwardedFor(rng)] }, !known || (method !== 'GET' && method !== 'HEAD'));
};

/** Routes anyone may call: the script, the API description, liveness, readiness, metrics. */
const publicRoute: Generator = (rng, _world, index) => {
  const [path, label] = rng.pick<[string, string]>([
    ['/js/tracking.js', '/js/tracking.js'],
    ['/js/tracking.js?v=%00&customer_id=../x', '/js/tracking.js'],
    ['/docs', '/docs'],
    ['/docs/openapi.json', '/docs/openapi.json'],
    ['/docs/openapi.yaml', '/docs/openapi.yaml'],
    ['/docs/swagger-ui.css', '/docs/:asset'],
    [`/docs/${hostileId(rng)}`, '/docs/:asset'],
    ['/livez', '/livez'],
    ['/readyz', '/readyz'],
    ['/metrics', '/metrics'],
    ['/metrics?name[]=x&%00', '/metrics'],
  ]);
  const method = rng.chance(0.15) ? rng.pick(['POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS']) : 'GET';
  const headers: Array<[string, string | Buffer]> = [...forwardedFor(rng)];
  if (rng.chance(0.4)) headers.push(['If-None-Match', rng.pick(['*', '"x"', 'W/"' + 'e'.repeat(4000) + '"', '\u00ff', '""'])]);
  if (rng.chance(0.4)) headers.push(['Accept-Encoding', rng.pick(['gzip;q=2', 'br, zstd, *;q=0', 'identity;q=0', 'x'.repeat(3000), 'gzip, gzip, gzip'])]);
  if (rng.chance(0.2)) headers.push(['Range', rng.pick(['bytes=0-0', 'bytes=-1', 'bytes=99999999-', 'lines=1'])]);
  const body = method === 'POST' || method === 'PUT' ? Buffer.from(toJson(hostileValue(rng))) : undefined;
  if (body) headers.push(['Content-Type', 'application/json']);
  return caseOf(index, 'gateway', `GET ${label}`, ['public route'], { method, target: path, headers, body }, false);
};

/** Paths and methods no route has, plus request-targets no router expects. */
const unknownRoute: Generator = (rng, world, index) => {
  const target = rng.pick([
    `/${hostileId(rng)}`,
    '/api/v1/track/../../etc/passwd',
    '/api/v1/track/%2e%2e/%2e%2e/metrics',
    '//api//v1//track',
    '/api/v1/track/',
    '/API/V1/TRACK',
    '/api/v2/track',
    `/api/v1/track?${'q'.repeat(12_000)}`,
    `/${'a/'.repeat(3000)}`,
    '/api/v1/track#fragment',
    '/api/v1/track;jsessionid=1',
    '/%2Fapi%2Fv1%2Ftrack',
    '/.env',
    '/api/v1/tracking/keys/../../track',
    '/api/v1/customer//tracking-config',
    '/health/',
    '/health',
    '*',
    'http://evil.example/api/v1/track',
    'api/v1/track',
  ]);
  const method = rng.pick(['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'TRACE', 'PROPFIND', 'MKCOL', 'LOCK', 'SEARCH', 'PURGE', 'QUERY', 'CONNECT', 'BREW', 'get']);
  const credentials = apiCredentials(rng, world);
  const body = method === 'POST' || method === 'PUT' ? Buffer.from(toJson(brokenEvent(rng, world, false).event)) : undefined;
  const headers: Array<[string, string | Buffer]> = [...credentials.headers, ...forwardedFor(rng)];
  if (body) headers.push(['Content-Type', 'application/json']);
  // The target itself may be one a router normalises onto a real read route; refusal is then not certain.
  const normalisable = target === '/api/v1/track/' || target.startsWith('//') || target.includes('..') || target.includes('%2e');
  const drillCase = caseOf(index, 'gateway', '(no such route)', [credentials.kind, `target ${target.slice(0, 40)}`, `method ${method}`], { method, target, headers, body }, !normalisable && method !== 'OPTIONS');
  drillCase.mayCloseSilently = method === 'CONNECT';
  return drillCase;
};

/** Requests broken at the HTTP level: the server must refuse them without falling over. */
const protocol: Generator = (rng, world, index) => {
  const event = Buffer.from(toJson(brokenEvent(rng, world, true).event));
  const base: RawRequest = { method: 'POST', target: '/api/v1/track', headers: [['X-Customer-ID', world.a.id], bearer(world.a.token), ['Content-Type', 'application/json']], body: event };
  const encoded = encodeRequest(`${HOST}:0`, base);
  const head = encoded.subarray(0, encoded.indexOf('\r\n\r\n') + 4).toString('latin1');
  const raw = (text: string | Buffer): RawRequest => ({ ...base, raw: Buffer.isBuffer(text) ? text : Buffer.from(text, 'latin1') });
  const [kind, request, silent] = rng.pick<[string, RawRequest, boolean?]>([
    ['bare CR in a header value', { ...base, headers: [...base.headers, ['X-Note', Buffer.from('a\rb')]] }],
    ['NUL in a header value', { ...base, headers: [...base.headers, ['X-Note', Buffer.from('a\u0000b')]] }],
    ['CRLF injection of a header', { ...base, headers: [...base.headers, ['X-Note', `x\r\nX-Customer-ID: ${world.b.id}`]] }],
    ['CRLF injection of framing', { ...base, headers: [...base.headers, ['X-Note', 'x\r\nTransfer-Encoding: chunked']] }],
    ['bare LF injection', { ...base, headers: [...base.headers, ['X-Note', 'x\nX-Injected: 1']] }],
    ['conflicting Content-Length', { ...base, noFraming: true, headers: [...base.headers, ['Content-Length', String(event.length)], ['Content-Length', String(event.length + 5)]] }],
    ['Content-Length and Transfer-Encoding', { ...base, chunked: true, headers: [...base.headers, ['Content-Length', String(event.length)]] }],
    ['negative Content-Length', { ...base, noFraming: true, headers: [...base.headers, ['Content-Length', '-1']] }],
    ['non-numeric Content-Length', { ...base, noFraming: true, headers: [...base.headers, ['Content-Length', rng.pick(['abc', '0x10', '1e3', ' 1 2'])]] }],
    ['header of 20 KB', { ...base, headers: [...base.headers, ['X-Huge', 'h'.repeat(20_000)]] }],
    ['header of 100 KB', { ...base, headers: [...base.headers, ['X-Huge', 'h'.repeat(100_000)]] }],
    ['three hundred headers', { ...base, headers: [...base.headers, ...Array.from({ length: 300 }, (_, i): [string, string] => [`X-H${i}`, 'v'.repeat(100)])] }],
    ['header name with a space', { ...base, headers: [...base.headers, ['X Bad', '1']] }],
    ['header name with non-ASCII', { ...base, headers: [...base.headers, [Buffer.from('X-\xff', 'latin1').toString('latin1'), '1']] }],
    ['obsolete line folding', { ...base, headers: [...base.headers, ['X-Fold', 'a\r\n continued']] }],
    ['Transfer-Encoding gzip, chunked', { ...base, noFraming: true, headers: [...base.headers, ['Transfer-Encoding', 'gzip, chunked']], body: Buffer.from(`${event.length.toString(16)}\r\n${event.toString('latin1')}\r\n0\r\n\r\n`, 'latin1') }],
    ['bad chunk size', { ...base, noFraming: true, headers: [...base.headers, ['Transfer-Encoding', 'chunked']], body: Buffer.from('zz\r\nabc\r\n0\r\n\r\n') }],
    ['Expect: 100-continue', { ...base, headers: [...base.headers, ['Expect', '100-continue']] }],
    ['unknown Expect', { ...base, headers: [...base.headers, ['Expect', 'teapot']] }],
    ['Upgrade: websocket', { ...base, method: 'GET', target: '/livez', headers: [['Upgrade', 'websocket'], ['Connection', 'Upgrade'], ['Sec-WebSocket-Key', 'dGhlIHNhbXBsZSBub25jZQ=='], ['Sec-WebSocket-Version', '13']], body: undefined }],
    ['Upgrade: h2c', { ...base, headers: [...base.headers, ['Upgrade', 'h2c'], ['HTTP2-Settings', 'AAMAAABkAARAAAAAAAIAAAAA']] }],
    ['missing Host', raw(head.replace(/Host: [^\r]*\r\n/, '') + event.toString('latin1'))],
    ['duplicate Host', raw(head.replace(/(Host: [^\r]*\r\n)/, '$1Host: evil.example\r\n') + event.toString('latin1'))],
    ['HTTP/1.0 without Host', raw(`GET /api/v1/track/status HTTP/1.0\r\n\r\n`)],
    ['HTTP/2.0 request line', raw(`GET /api/v1/track/status HTTP/2.0\r\nHost: x\r\n\r\n`)],
    ['HTTP/9.9', raw(`GET /api/v1/track/status HTTP/9.9\r\nHost: x\r\n\r\n`)],
    ['bare LF line endings', raw(head.replace(/\r\n/g, '\n') + event.toString('latin1'))],
    ['space in the request-target', raw(`GET /api/v1/track/status ?x=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`)],
    ['raw non-ASCII in the request-target', raw(Buffer.concat([Buffer.from('GET /health/\xff\xfe'), Buffer.from('é☃'), Buffer.from(' HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')]))],
    ['NUL in the request-target', raw(Buffer.from('GET /health/a\u0000b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', 'latin1'))],
    // Empty lines before a request are allowed (RFC 9112 2.2): only the end of the connection ends the wait.
    ['no request line', { ...raw('\r\n\r\n\r\n'), halfClose: true }, true],
    ['garbage', raw(Buffer.from(Array.from({ length: 64 }, () => rng.int(256))))],
    ['TLS ClientHello', raw(Buffer.from('16030100a5010000a10303', 'hex'))],
    ['lower-case method', raw(`post /api/v1/track HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}`)],
    ['request line of 20 KB', raw(`GET /${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`)],
    ['CONNECT', raw(`CONNECT evil.example:443 HTTP/1.1\r\nHost: evil.example:443\r\n\r\n`), true],
  ]);
  const drillCase = caseOf(index, 'gateway', 'protocol-level', [kind], request, !kind.startsWith('Upgrade: websocket'));
  drillCase.mayCloseSilently = silent ?? false;
  return drillCase;
};

// ---------------------------------------------------------------------------------------------
// The consuming services' operators' endpoints (all TRACKING_ADMIN_TOKEN). With the admin token,
// only requests that cannot change anything: an erasure for no valid customer or person, no
// retention run, no export run for a real customer, no workflow document that is valid.

const vaultLoader: Generator = (rng, world, index) => {
  const credentials = adminCredentials(rng, world);
  const admin = credentials.mayAuthenticate;
  const headers: Array<[string, string | Buffer]> = [...credentials.headers];
  if (rng.chance(0.15) || !admin) {
    if (rng.chance(0.4)) {
      const method = rng.pick(['POST', 'POST', 'GET', 'DELETE']);
      return caseOf(index, 'vault-loader', 'POST /api/v1/privacy/retention/run', [credentials.kind], { method, target: '/api/v1/privacy/retention/run', headers: admin ? [] : headers }, true);
    }
  }
  const body = new Entries();
  const badCustomer = rng.pick<Json>(['', 'UPPER', 'has space', '../x', 'z'.repeat(101), 5, null, [], new Entries(), 'a\u0000b', '__proto__']);
  const badPerson = rng.pick<Json>(['', 'with space', 'v'.repeat(256), 'tab\there', 'é', 7, [], new Entries(), new RawJson('1e309'), 'nul\u0000']);
  const variant = rng.int(4);
  if (variant === 0) body.set('customer_id', badCustomer).set('visitor_id', `v-${rng.hex(6)}`);
  else if (variant === 1) body.set('customer_id', world.a.id).set(rng.pick(['visitor_id', 'user_id']), badPerson);
  else if (variant === 2) body.set('customer_id', world.a.id);
  else body.set('customer_id', badCustomer).set('user_id', badPerson);
  if (rng.chance(0.2)) body.set('__proto__', new Entries([['customer_id', world.a.id], ['visitor_id', 'v']]));
  let bytes: Buffer = Buffer.from(toJson(rng.chance(0.08) ? rng.pick<Json>([[], 'x', null, nestedArrays(10_000)]) : body));
  if (rng.chance(0.2)) bytes = damage(rng, bytes.toString()).bytes;
  headers.push(['Content-Type', jsonContentType(rng).value]);
  const method = rng.chance(0.05) ? rng.pick(['GET', 'PUT', 'DELETE']) : 'POST';
  return caseOf(index, 'vault-loader', 'POST /api/v1/privacy/erasures', [credentials.kind, `erasure variant ${variant}`], { method, target: '/api/v1/privacy/erasures', headers, body: bytes }, true);
};

const automationTrigger: Generator = (rng, world, index) => {
  const credentials = adminCredentials(rng, world);
  const admin = credentials.mayAuthenticate;
  const headers: Array<[string, string | Buffer]> = [...credentials.headers];
  const customer = rng.chance(0.5) ? world.a.id : rng.chance(0.3) ? world.b.id : hostileId(rng);
  const known = customer === world.a.id || customer === world.b.id;
  const action = rng.int(4);
  if (action === 0) {
    return caseOf(index, 'automation-trigger', 'GET /api/v1/automations/:customerId/workflows', [credentials.kind, customer.slice(0, 20)], { method: 'GET', target: `/api/v1/automations/${customer}/workflows`, headers }, !(admin && known));
  }
  if (action === 1) {
    // A document with at least one bad workflow: refused as a whole, nothing written.
    const bad = new Entries([
      ['id', rng.pick<Json>(['Bad Id', '', 'x'.repeat(70), 5, '../etc', '__proto__'])],
      ['trigger', rng.pick<Json>(['not_a_trigger', '', 7, null])],
      ['filters', rng.pick<Json>([hostileValue(rng), new Entries([['url_path', new Entries([['regex', '.*']])]])])],
      ['webhook', rng.pick<Json>([new Entries([['url', 'file:///etc/passwd'], ['secret_env', 'lower case']]), 'http://x', null])],
    ]);
    const document = new Entries([['workflows', rng.chance(0.1) ? rng.pick<Json>(['x', 5, new Entries()]) : [bad, ...(rng.chance(0.5) ? [new Entries([['id', 'ok_one'], ['trigger', 'site_page_view']])] : [])]]]);
    if (rng.chance(0.2)) document.set('__proto__', new Entries([['polluted', true]]));
    let bytes: Buffer = Buffer.from(toJson(rng.chance(0.08) ? rng.pick<Json>([[], 'x', nestedArrays(10_000)]) : document));
    if (rng.chance(0.15)) bytes = damage(rng, bytes.toString()).bytes;
    headers.push(['Content-Type', jsonContentType(rng).value]);
    return caseOf(index, 'automation-trigger', 'PUT /api/v1/automations/:customerId/workflows', [credentials.kind, 'invalid workflows'], { method: 'PUT', target: `/api/v1/automations/${customer}/workflows`, headers, body: bytes }, true);
  }
  if (action === 2) {
    const limit = rng.pick(['', '?limit=0', '?limit=1001', '?limit=-1', '?limit=1e309', '?limit=NaN', '?limit=%00', '?limit=1&limit=2', '?limit=5']);
    const fine = admin && known && (limit === '' || limit === '?limit=5');
    return caseOf(index, 'automation-trigger', 'GET /api/v1/automations/:customerId/deliveries', [credentials.kind, `${customer.slice(0, 20)}${limit}`], { method: 'GET', target: `/api/v1/automations/${customer}/deliveries${limit}`, headers }, !fine);
  }
  const triggerId = hostileId(rng);
  return caseOf(index, 'automation-trigger', 'POST /api/v1/automations/:customerId/deliveries/:triggerId/redeliver', [credentials.kind, triggerId.slice(0, 20)], { method: 'POST', target: `/api/v1/automations/${customer}/deliveries/${triggerId}/redeliver`, headers }, true);
};

const exporter: Generator = (rng, world, index) => {
  const credentials = adminCredentials(rng, world);
  const admin = credentials.mayAuthenticate;
  const headers: Array<[string, string | Buffer]> = [...credentials.headers];
  const customer = rng.pick(['UPPER', '%00', '../x', 'c'.repeat(200), `zz_${rng.hex(6)}`, world.a.id, `${world.a.id}&customer_id=${world.b.id}`]);
  const action = rng.int(3);
  if (action === 0) {
    // A run only with credentials that fail or a customer that has no export: nothing is flushed.
    const target = `/api/v1/export/run?customer_id=${customer}`;
    return caseOf(index, 'exporter', 'POST /api/v1/export/run', [credentials.kind, customer.slice(0, 20)], { method: 'POST', target, headers }, true);
  }
  const path = action === 1 ? 'status' : 'config';
  const withCustomer = rng.chance(0.7);
  return caseOf(index, 'exporter', `GET /api/v1/export/${path}`, [credentials.kind, withCustomer ? customer.slice(0, 20) : 'all'], { method: 'GET', target: `/api/v1/export/${path}${withCustomer ? `?customer_id=${customer}` : ''}`, headers }, !admin || withCustomer);
};

const consumerPublicRoute = (service: Service): Generator => (rng, _world, index) => {
  const path = rng.pick(['/livez', '/readyz', '/metrics', `/${hostileId(rng)}`, '/api/v1/privacy', '/api/v1/export']);
  const method = rng.pick(['GET', 'GET', 'POST', 'DELETE', 'TRACE']);
  return caseOf(index, service, ['/livez', '/readyz', '/metrics'].includes(path) ? `GET ${path}` : '(no such route)', ['public route'], { method, target: path, headers: [] }, false);
};

/** Weights: how many of every hundred requests go where. Every generator is used in rotation, so each one is reached. */
const GATEWAY_GENERATORS: Array<[number, Generator]> = [
  [13, singleEvent('/api/v1/track')],
  [6, singleEvent('/api/v1/track/async')],
  [9, bulk],
  [12, collect],
  [8, keys],
  [3, read('/api/v1/track/status')],
  [3, read('/api/v1/track/dashboard')],
  [4, read('/api/v1/tracking/analytics')],
  [3, read('/api/v1/tracking/analytics/export')],
  [5, trackingConfig],
  [5, health],
  [4, publicRoute],
  [5, unknownRoute],
  [7, protocol],
];
const CONSUMER_GENERATORS: Array<[number, Generator]> = [
  [4, vaultLoader],
  [5, automationTrigger],
  [4, exporter],
  [1, consumerPublicRoute('vault-loader')],
  [1, consumerPublicRoute('automation-trigger')],
  [1, consumerPublicRoute('exporter')],
];

function corpus(seed: number, size: number, world: World): DrillCase[] {
  const rng = new Prng(seed);
  const slots = [...GATEWAY_GENERATORS, ...CONSUMER_GENERATORS].flatMap(([weight, generator]) => Array.from({ length: weight }, () => generator));
  // Interleaved rather than grouped, so no endpoint gets its share in one burst.
  const order = slots.map((generator, i) => ({ generator, key: (i * 7919) % slots.length })).sort((x, y) => x.key - y.key).map(({ generator }) => generator);
  return Array.from({ length: size }, (_, index) => (order[index % order.length] as Generator)(rng, world, index));
}

// ---------------------------------------------------------------------------------------------
// Judging one answer.

const ERROR_CODES: Record<number, readonly string[]> = {
  400: ['INVALID_REQUEST'],
  401: ['UNAUTHORIZED'],
  403: ['FORBIDDEN'],
  404: ['CUSTOMER_NOT_FOUND', 'NOT_FOUND', 'INVALID_REQUEST'],
  405: ['INVALID_REQUEST'],
  408: ['INVALID_REQUEST'],
  409: ['INVALID_REQUEST', 'CONFLICT'],
  413: ['PAYLOAD_TOO_LARGE'],
  414: ['INVALID_REQUEST'],
  415: ['UNSUPPORTED_MEDIA_TYPE'],
  417: ['INVALID_REQUEST'],
  429: ['RATE_LIMITED'],
  431: ['INVALID_REQUEST'],
};

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** What is wrong with an answer, if anything. */
function judge(drillCase: DrillCase, outcome: RawOutcome): string[] {
  if (outcome.failure !== undefined) return drillCase.mayCloseSilently ? [] : [`no answer: ${outcome.failure}`];
  const { status, body } = outcome.answer;
  const problems: string[] = [];
  if (status >= 500) problems.push(`answered ${status}`);
  if (status < 200 || status >= 600) problems.push(`status ${status} is not an answer`);
  if (drillCase.mustRefuse && status < 400) problems.push(`accepted (${status}) a request that must be refused`);
  const isHead = drillCase.request.method === 'HEAD' || (drillCase.request.raw?.subarray(0, 5).toString() ?? '') === 'HEAD ';
  if (status >= 400 && !isHead) {
    const json = parseJson(body) as Record<string, unknown> | undefined;
    if (!json || typeof json !== 'object') problems.push('error answer is not JSON');
    else {
      const codes = ERROR_CODES[status];
      if (json['success'] !== false) problems.push('error envelope: success is not false');
      if (typeof json['error_code'] !== 'string' || (codes && !codes.includes(json['error_code']))) problems.push(`error envelope: error_code ${String(json['error_code'])} for ${status}`);
      if (typeof json['error'] !== 'string' || json['error'] === '') problems.push('error envelope: no error message');
      if (typeof json['timestamp'] !== 'string' || Number.isNaN(Date.parse(json['timestamp']))) problems.push('error envelope: no timestamp');
      if (typeof json['audit_logged'] !== 'boolean') problems.push('error envelope: no audit_logged');
      if (!('customer_id' in json)) problems.push('error envelope: no customer_id');
    }
  }
  if (drillCase.noEventAccepted && status >= 200 && status < 300 && !isHead) {
    const json = parseJson(body) as { events_processed?: unknown } | undefined;
    if (json?.events_processed !== 0) problems.push(`accepted events: events_processed ${String(json?.events_processed)}`);
  }
  return problems;
}

function describeCase(drillCase: DrillCase, outcome: RawOutcome, problems: string[]): string {
  const request = encodeRequest('host', drillCase.request);
  const shown = request.length > 600 ? `${request.subarray(0, 600).toString('latin1')}… (${request.length} bytes)` : request.toString('latin1');
  const answer = outcome.answer ? `${outcome.answer.status} ${outcome.answer.body.subarray(0, 400).toString('utf8')}` : outcome.failure;
  return `#${drillCase.index} ${drillCase.service} ${drillCase.endpoint} [${drillCase.kinds.join('; ')}]: ${problems.join(', ')}\n  request: ${JSON.stringify(shown)}\n  answer: ${answer}`;
}

// ---------------------------------------------------------------------------------------------

describe('fault drill: hostile input at every public endpoint', () => {
  const env = testEnvironment();
  // Only the drill's own customers: anything the gateway publishes must name one of them.
  const customersDir = mkdtempSync(join(tmpdir(), 'drill-hostile-customers-'));
  const run = randomUUID().slice(0, 8);
  let gateway: GatewayProcess | undefined;
  const consumers: Partial<Record<Exclude<Service, 'gateway'>, AppProcess>> = {};
  const books: Books = {};

  afterAll(async () => {
    await Promise.all([gateway?.stop(), ...Object.values(consumers).map((app) => app.stop())]);
    printBooks('hostile input', books);
  });

  it(`answers ${REQUESTS.toLocaleString('en-US')} hostile requests without a 5xx, publishes nothing, logs no secret and stays up`, async () => {
    const setupStartedAt = Date.now();
    books['seed (DRILL_SEED)'] = SEED;
    const a = writeTestCustomer(customersDir);
    const b = writeTestCustomer(customersDir);
    const off = writeTestCustomer(customersDir, { features: { site_tracking: false } });
    const limits = {
      TRACKING_INGEST_RATE_LIMIT_PER_MINUTE: '10000000',
      TRACKING_KEY_RATE_LIMIT_PER_MINUTE: '10000000',
      HEALTH_RATE_LIMIT_PER_MINUTE: '10000000',
      CONFIG_RATE_LIMIT_PER_MINUTE: '10000000',
    };
    const groups = { loader: `drill-hostile-loader-${run}`, automation: `drill-hostile-automation-${run}`, exporter: `drill-hostile-exporter-${run}` };
    await Promise.all([
      positionGroup(env.kafkaBrokers, groups.loader, CONSUMER_SUBSCRIPTIONS.vaultLoader),
      positionGroup(env.kafkaBrokers, groups.automation, CONSUMER_SUBSCRIPTIONS.automationTrigger),
      positionGroup(env.kafkaBrokers, groups.exporter, CONSUMER_SUBSCRIPTIONS.exporter),
    ]);
    const [started, loader, automation, exporterApp] = await Promise.all([
      startGatewayProcess(env, { CUSTOMERS_DIR: customersDir, LOG_LEVEL: 'info', TRUST_PROXY: 'true', ...limits }),
      startAppProcess('vault-loader', 'VAULT_LOADER_PORT', { ...vaultLoaderSettings(env, groups.loader), CUSTOMERS_DIR: customersDir, VAULT_RETENTION_INTERVAL_MINUTES: '0' }),
      startAppProcess('automation-trigger', 'AUTOMATION_TRIGGER_PORT', automationTriggerSettings(env, groups.automation, customersDir, { WEBHOOK_POLL_MS: '1000' })),
      startAppProcess('exporter', 'EXPORTER_PORT', exporterSettings(env, groups.exporter, customersDir)),
    ]);
    gateway = started;
    consumers['vault-loader'] = loader;
    consumers['automation-trigger'] = automation;
    consumers.exporter = exporterApp;
    const ports: Record<Service, number> = {
      gateway: Number(new URL(started.url).port),
      'vault-loader': Number(new URL(loader.url).port),
      'automation-trigger': Number(new URL(automation.url).port),
      exporter: Number(new URL(exporterApp.url).port),
    };

    // A second key of A, and a revoked one, made before the books open.
    const admin = (path: string, method: string, body?: unknown) =>
      fetch(`${started.url}/api/v1/tracking/keys${path}`, {
        method,
        headers: { Authorization: `Bearer ${TEST_ADMIN_TOKEN}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      }).then(async (response) => {
        expect(response.status).toBeLessThan(300);
        return (await response.json()) as { key_id: string; secret: string; publishable_key: string };
      });
    const aKey = await admin('', 'POST', { customer_id: a.id, description: 'drill' });
    const revokedKey = await admin('', 'POST', { customer_id: a.id, description: 'drill, revoked' });
    await admin(`/${revokedKey.key_id}`, 'DELETE');

    const world: World = {
      a,
      b,
      off,
      aKey: { secret: aKey.secret, publishable: aKey.publishable_key },
      revoked: { secret: revokedKey.secret, publishable: revokedKey.publishable_key, keyId: revokedKey.key_id },
      recentIso: () => new Date(Date.now() - 60_000).toISOString(),
    };
    books['seconds starting the services'] = Math.round((Date.now() - setupStartedAt) / 100) / 10;
    const generatingAt = Date.now();
    const cases = corpus(SEED, REQUESTS, world);
    books['seconds generating the corpus'] = Math.round((Date.now() - generatingAt) / 100) / 10;
    books['requests'] = cases.length;
    books['megabytes sent'] = Math.round(cases.reduce((sum, drillCase) => sum + encodeRequest('h', drillCase.request).length, 0) / 100_000) / 10;

    const before = await endOffsets(env.kafkaBrokers);
    const failures: string[] = [];
    const requestIds = new Set<string>();
    const auditLoggedIds = new Set<string>();
    const statusById = new Map<string, number>();
    const perEndpoint = new Map<string, number>();
    const perClass = new Map<string, number>();
    let fiveHundreds = 0;
    let unusualMethods = 0;
    const silent = new Map<string, number>();
    const slow: string[] = [];
    const startedAt = Date.now();
    const send = async (drillCase: DrillCase): Promise<void> => {
      const sentAt = Date.now();
      const outcome = await sendRaw(HOST, ports[drillCase.service], drillCase.request);
      const took = Date.now() - sentAt;
      if (took > 1000) slow.push(`${took} ms #${drillCase.index} ${drillCase.endpoint} [${drillCase.kinds.join('; ')}] ${outcome.answer?.status ?? outcome.failure}`);
      const label = `${drillCase.service === 'gateway' ? '' : `${drillCase.service} `}${drillCase.endpoint}`;
      perEndpoint.set(label, (perEndpoint.get(label) ?? 0) + 1);
      if (drillCase.endpoint !== '(no such route)' && drillCase.kinds.some((kind) => kind.startsWith('method '))) unusualMethods++;
      const answer: RawAnswer | undefined = outcome.answer;
      const statusClass = answer ? `${Math.floor(answer.status / 100)}xx` : 'no answer';
      perClass.set(`${drillCase.service} ${statusClass}`, (perClass.get(`${drillCase.service} ${statusClass}`) ?? 0) + 1);
      if (answer && answer.status >= 500) fiveHundreds++;
      if (!answer) {
        const what = `closed without an answer: ${drillCase.endpoint === 'protocol-level' ? drillCase.kinds[0] : drillCase.kinds.find((kind) => kind.startsWith('method ')) ?? drillCase.endpoint}`;
        silent.set(what, (silent.get(what) ?? 0) + 1);
      }
      if (drillCase.service === 'gateway' && answer) {
        const requestId = answer.headers['x-request-id']?.[0];
        if (requestId) {
          requestIds.add(requestId);
          statusById.set(requestId, answer.status);
          if ((parseJson(answer.body) as { audit_logged?: unknown } | undefined)?.audit_logged === true) auditLoggedIds.add(requestId);
        }
      }
      const problems = judge(drillCase, outcome);
      if (problems.length > 0) failures.push(describeCase(drillCase, outcome, problems));
    };
    const probeHealth = async (services: readonly Service[]): Promise<void> => {
      for (const service of services) {
        for (const probe of ['/livez', '/readyz']) {
          const response = await fetch(`http://${HOST}:${ports[service]}${probe}`);
          expect({ service, probe, status: response.status }).toEqual({ service, probe, status: 200 });
        }
      }
    };
    // The consuming services first, then the gateway alone: idle consumers still poll Kafka and
    // PostgreSQL, and on two cores that CPU is better spent on the gateway.
    const consumerServices = ['vault-loader', 'automation-trigger', 'exporter'] as const;
    await runBounded(
      cases.filter((drillCase) => drillCase.service !== 'gateway'),
      IN_FLIGHT,
      send,
    );
    await probeHealth(consumerServices);
    await Promise.all(consumerServices.map((service) => consumers[service]?.stop()));
    await runBounded(
      cases.filter((drillCase) => drillCase.service === 'gateway'),
      IN_FLIGHT,
      send,
    );
    books['seconds sending'] = Math.round((Date.now() - startedAt) / 100) / 10;
    for (const [label, count] of [...perEndpoint].sort()) books[`sent ${label}`] = count;
    books['sent with a method the route does not take'] = unusualMethods;
    for (const [label, count] of [...perClass].sort()) books[`answered ${label}`] = count;
    books['5xx answers'] = fiveHundreds;
    for (const [what, count] of [...silent].sort()) books[what] = count;

    // Still up, still ready.
    expect(() => process.kill(started.pid, 0)).not.toThrow();
    await probeHealth(['gateway']);

    // The books of Kafka. Asynchronous ingestion answers before its records are written, so the
    // audit trail and the bad rows are read again until they agree (or the attempts run out).
    const customerIds = [a.id, b.id, off.id];
    const drillRecords = async (topic: string, after: EndOffsets): Promise<RawRecord[]> =>
      appended(before, after, topic) === 0 ? [] : (await recordsBetween(env.kafkaBrokers, topic, before, after)).filter((record) => mentions(record, customerIds, requestIds));
    let after = await endOffsets(env.kafkaBrokers);
    let audit: AuditRecord[] = [];
    let rejected: RawRecord[] = [];
    for (let attempt = 0; attempt < 10; attempt++) {
      after = await endOffsets(env.kafkaBrokers);
      [audit, rejected] = await Promise.all([
        drillRecords(TOPICS.trackingAudit, after).then((records) => decodeValues<AuditRecord>(env.schemaRegistryUrl, records)),
        drillRecords(TOPICS.trackingEventsRejected, after),
      ]);
      const counted = audit.reduce((sum, record) => sum + record.events_rejected, 0);
      if (counted === rejected.length && audit.length >= auditLoggedIds.size) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const ours = new Map<string, number>([
      [TOPICS.trackingAudit, audit.length],
      [TOPICS.trackingEventsRejected, rejected.length],
    ]);
    for (const topic of Object.values(TOPICS)) {
      if (!ours.has(topic)) ours.set(topic, (await drillRecords(topic, after)).length);
      const total = (offsets: EndOffsets): bigint => [...(offsets.get(topic)?.values() ?? [])].reduce((sum, end) => sum + end, 0n);
      books[`${topic}: end offsets before -> after (all writers)`] = `${total(before)} -> ${total(after)}`;
      books[`${topic}: records of the drill`] = ours.get(topic) ?? 0;
    }

    const auditSet = new Set<string>();
    const duplicated = audit.filter((record) => auditSet.size === auditSet.add(record.audit_id).size).map((record) => record.audit_id);
    const missing = [...auditLoggedIds].filter((id) => !auditSet.has(id));
    // The record says what the client was told.
    const misstated = audit.filter((record) => statusById.get(record.audit_id) !== record.status_code).map((record) => `${record.audit_id} ${record.endpoint}: ${record.status_code}, answered ${statusById.get(record.audit_id)}`);
    const rejectedCounted = audit.reduce((sum, record) => sum + record.events_rejected, 0);
    books['answers saying audit_logged: true'] = auditLoggedIds.size;
    books['rejected events counted by the audit records'] = rejectedCounted;

    if (failures.length > 0) process.stdout.write(`\nseed ${SEED}: ${failures.length} bad answers\n${failures.slice(0, 40).join('\n')}\n`);
    if (process.env['DRILL_REPORT']) writeFileSync(process.env['DRILL_REPORT'], [...failures, ...slow].join('\n'));
    expect({ seed: SEED, badAnswers: failures.length, first: failures.slice(0, 5) }).toEqual({ seed: SEED, badAnswers: 0, first: [] });
    expect(fiveHundreds).toBe(0);
    // Nothing of the drill on any topic but the audit trail and the bad rows.
    for (const topic of Object.values(TOPICS).filter((name) => name !== TOPICS.trackingAudit && name !== TOPICS.trackingEventsRejected)) {
      expect({ topic, records: ours.get(topic) }).toEqual({ topic, records: 0 });
    }
    // One audit record per interaction at most, and one for every answer that says it was logged.
    expect({ duplicated, missing, misstated }).toEqual({ duplicated: [], missing: [], misstated: [] });
    // Bad rows: exactly the rejected events of authenticated requests, as the audit trail counts them.
    expect(rejected.length).toBe(rejectedCounted);
    expect(audit.every((record) => record.customer_id === null || customerIds.includes(record.customer_id))).toBe(true);

    // The gateway's log: one JSON object a line, never a token, a key secret or a client's address.
    const log = started.output();
    books['gateway log lines'] = log.split('\n').filter(Boolean).length;
    for (const secret of [a.token, b.token, off.token, TEST_ADMIN_TOKEN, world.aKey.secret, world.revoked.secret]) expect(log.includes(secret)).toBe(false);
    expect(log.match(/203\.0\.113\.(?:[1-9]\d*)(?!\d)/g) ?? []).toEqual([]);
    expect(log.includes('2001:db8::1')).toBe(false);
    expect(log.split('\n').filter((line) => line !== '' && parseJson(Buffer.from(line)) === undefined)).toEqual([]);
  }, 180_000);
});
