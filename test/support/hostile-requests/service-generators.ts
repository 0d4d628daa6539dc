import { damage, jsonContentType } from './bodies';
import { adminCredentials } from './credentials';
import { caseOf, type Generator, type Service } from './drill-case';
import { hostileId, hostileValue } from './hostile-values';
import { Entries, RawJson, nestedArrays, toJson, type Json } from './json-text';

// The consuming services' operators' endpoints (all TRACKING_ADMIN_TOKEN). With the admin token,
// only requests that cannot change anything: an erasure for no valid customer or person, no
// retention run, no export run for a real customer, no workflow document that is valid.

export const vaultLoader: Generator = (rng, world, index) => {
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

export const automationTrigger: Generator = (rng, world, index) => {
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

export const exporter: Generator = (rng, world, index) => {
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

export const consumerPublicRoute = (service: Service): Generator => (rng, _world, index) => {
  const path = rng.pick(['/livez', '/readyz', '/metrics', `/${hostileId(rng)}`, '/api/v1/privacy', '/api/v1/export']);
  const method = rng.pick(['GET', 'GET', 'POST', 'DELETE', 'TRACE']);
  return caseOf(index, service, ['/livez', '/readyz', '/metrics'].includes(path) ? `GET ${path}` : '(no such route)', ['public route'], { method, target: path, headers: [] }, false);
};
