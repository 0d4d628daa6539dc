import { gzipSync } from 'node:zlib';
import { encodeRequest, type RawRequest } from '../raw-http';
import { type Body, damage, jsonContentType, nonEventBody } from './bodies';
import { adminCredentials, apiCredentials, bearer } from './credentials';
import { HOST, caseOf, type Generator } from './drill-case';
import { brokenEvent, legalEvent } from './events';
import { LEGAL_ODD_STRINGS, hostileId, hostileValue } from './hostile-values';
import { Entries, RawJson, nestedArrays, toJson, type Json } from './json-text';
import type { Prng } from './prng';

// The generators of the gateway's requests, one per endpoint family.

function forwardedFor(rng: Prng): Array<[string, string]> {
  if (!rng.chance(0.5)) return [];
  return [['X-Forwarded-For', rng.pick([`203.0.113.${1 + rng.int(254)}`, `203.0.113.${1 + rng.int(254)}, 10.0.0.1`, 'not-an-ip', '2001:db8::1', '', `${'1.'.repeat(3000)}1`, '::ffff:203.0.113.9'])]];
}

/** POST /api/v1/track and /api/v1/track/async: one event, which must be refused. */
export const singleEvent = (path: string): Generator => (rng, world, index) => {
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

export const bulk: Generator = (rng, world, index) => {
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
export const collect: Generator = (rng, world, index) => {
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

/** The keys API (admin only). With the admin token, only requests that change nothing. */
export const keys: Generator = (rng, world, index) => {
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

export const read = (path: string): Generator => (rng, world, index) => {
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

export const trackingConfig: Generator = (rng, world, index) => {
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

export const health: Generator = (rng, world, index) => {
  const id = rng.chance(0.3) ? rng.pick([world.a.id, world.off.id]) : hostileId(rng);
  const method = rng.chance(0.1) ? rng.pick(['POST', 'PUT', 'DELETE', 'HEAD', 'OPTIONS']) : 'GET';
  const headers: Array<[string, string | Buffer]> = rng.chance(0.3) ? apiCredentials(rng, world).headers : [];
  const known = id === world.a.id || id === world.off.id;
  return caseOf(index, 'gateway', 'GET /health/:customerId', [`path ${id.slice(0, 20)}`], { method, target: `/health/${id}${rng.chance(0.2) ? '?verbose=1&__proto__=x' : ''}`, headers: [...headers, ...forwardedFor(rng)] }, !known || (method !== 'GET' && method !== 'HEAD'));
};

/** Routes anyone may call: the script, the API description, liveness, readiness, metrics. */
export const publicRoute: Generator = (rng, _world, index) => {
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
export const unknownRoute: Generator = (rng, world, index) => {
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
export const protocol: Generator = (rng, world, index) => {
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
