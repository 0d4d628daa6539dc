import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { TEST_ADMIN_TOKEN } from '@test/support/in-process-services';
import { startPipeline, type Pipeline } from '@test/support/pipeline';
import { writeTestCustomer } from '@test/support/test-customers';

interface OpenApiDocument {
  paths: Record<string, Record<string, { security?: Array<Record<string, unknown>>; requestBody?: { content: Record<string, { schema: unknown }> } }>>;
  components: { securitySchemes: Record<string, { type: string; scheme: string }> };
}

/** Each service's operators' routes, as the document names them (method and path). */
const ADMIN_ROUTES: Record<'gateway' | 'vault-loader' | 'automation-trigger' | 'exporter', Array<[string, string]>> = {
  gateway: [['post', '/api/v1/tracking/keys'], ['get', '/api/v1/tracking/keys'], ['post', '/api/v1/tracking/keys/{keyId}/rotate'], ['delete', '/api/v1/tracking/keys/{keyId}']],
  'vault-loader': [
    ['post', '/api/v1/privacy/erasures'],
    ['get', '/api/v1/privacy/erasures/{requestId}'],
    ['get', '/api/v1/privacy/erasures'],
    ['post', '/api/v1/privacy/retention/run'],
    ['post', '/api/v1/privacy/access'],
    ['post', '/api/v1/sites/backfill'],
  ],
  'automation-trigger': [
    ['get', '/api/v1/automations/{customerId}/workflows'],
    ['put', '/api/v1/automations/{customerId}/workflows'],
    ['post', '/api/v1/automations/{customerId}/workflows/validate'],
    ['post', '/api/v1/automations/{customerId}/try'],
    ['get', '/api/v1/automations/{customerId}/deliveries'],
    ['post', '/api/v1/automations/{customerId}/deliveries/{triggerId}/redeliver'],
    ['get', '/api/v1/automations/{customerId}/events/{eventId}/triggers'],
  ],
  exporter: [['post', '/api/v1/export/run'], ['get', '/api/v1/export/status'], ['get', '/api/v1/export/config'], ['get', '/api/v1/export/objects'], ['get', '/api/v1/export/activity'], ['post', '/api/v1/privacy/access']],
};

describe('OpenAPI of every service, and request bodies checked against the schema it shows', () => {
  const customersDir = mkdtempSync(join(tmpdir(), 'it-openapi-customers-'));
  const customerId = writeTestCustomer(customersDir).id;
  let pipeline: Pipeline;

  beforeAll(async () => {
    pipeline = await startPipeline({ name: `it-openapi-${randomUUID().slice(0, 8)}`, customersDir });
  }, 120_000);

  afterAll(async () => {
    await pipeline?.stop();
  });

  const admin = (service: keyof typeof ADMIN_ROUTES, path: string, init: RequestInit = {}) =>
    fetch(`${pipeline[service].url}${path}`, {
      ...init,
      headers: { Authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'Content-Type': 'application/json', ...(init.headers as Record<string, string> | undefined) },
    });

  it.each(Object.keys(ADMIN_ROUTES) as Array<keyof typeof ADMIN_ROUTES>)('%s serves /openapi.json listing its admin routes under the admin bearer scheme, and Swagger UI at /docs', async (service) => {
    const response = await fetch(`${pipeline[service].url}/openapi.json`);
    expect(response.status).toBe(200);
    const document = (await response.json()) as OpenApiDocument;
    expect(document.components.securitySchemes['admin']).toMatchObject({ type: 'http', scheme: 'bearer' });
    for (const [method, path] of ADMIN_ROUTES[service]) {
      expect({ route: `${method} ${path}`, security: document.paths[path]?.[method]?.security }).toEqual({ route: `${method} ${path}`, security: [{ admin: [] }] });
    }
    expect(await (await fetch(`${pipeline[service].url}/docs/openapi.json`)).json()).toEqual(document);
    const ui = await fetch(`${pipeline[service].url}/docs`);
    expect(ui.headers.get('content-type')).toMatch(/text\/html/);
    expect((await fetch(`${pipeline[service].url}/docs/swagger-ui-bundle.js`)).status).toBe(200);
  });

  it('documents each admin body with the schema that refuses a bad one, in seed 000\'s envelope naming the field', async () => {
    const cases: Array<{ service: keyof typeof ADMIN_ROUTES; method: string; path: string; documented: string; body: unknown; field: string }> = [
      { service: 'gateway', method: 'POST', path: '/api/v1/tracking/keys', documented: '/api/v1/tracking/keys', body: { customer_id: customerId, description: 7 }, field: 'description' },
      { service: 'gateway', method: 'POST', path: '/api/v1/tracking/keys/key_0000/rotate', documented: '/api/v1/tracking/keys/{keyId}/rotate', body: { overlap_seconds: -1 }, field: 'overlap_seconds' },
      { service: 'vault-loader', method: 'POST', path: '/api/v1/privacy/erasures', documented: '/api/v1/privacy/erasures', body: { customer_id: customerId, visitor_id: 'has space' }, field: 'visitor_id' },
      { service: 'exporter', method: 'POST', path: '/api/v1/privacy/access', documented: '/api/v1/privacy/access', body: { customer_id: customerId, visitor_ids: ['has space'] }, field: 'visitor_ids[0]' },
      {
        service: 'automation-trigger',
        method: 'PUT',
        path: `/api/v1/automations/${customerId}/workflows`,
        documented: '/api/v1/automations/{customerId}/workflows',
        body: { workflows: [{ id: 'ok_one', trigger: 'site_page_view', enabled: 'yes' }] },
        field: 'workflows[0].enabled',
      },
    ];
    for (const { service, method, path, documented, body, field } of cases) {
      const document = (await (await fetch(`${pipeline[service].url}/openapi.json`)).json()) as OpenApiDocument;
      const schema = document.paths[documented]?.[method.toLowerCase()]?.requestBody?.content['application/json']?.schema as { properties: Record<string, unknown> };
      expect(Object.keys(schema.properties)).toContain(field.split(/[.[]/)[0]);
      const response = await admin(service, path, { method, body: JSON.stringify(body) });
      expect({ service, status: response.status }).toEqual({ service, status: 400 });
      const answer = (await response.json()) as Record<string, unknown>;
      expect(answer).toMatchObject({
        success: false,
        error_code: 'INVALID_REQUEST',
        error: expect.stringContaining(field),
        details: [{ field, reason: expect.any(String) }],
        customer_id: null,
        timestamp: expect.any(String),
        audit_logged: expect.any(Boolean),
      });
    }
  });

  it('answers a bad admin body only to the admin: without the token it is 401, whatever the body', async () => {
    const response = await fetch(`${pipeline['vault-loader'].url}/api/v1/privacy/erasures`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"customer_id":5}' });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ success: false, error_code: 'UNAUTHORIZED' });
  });
});
