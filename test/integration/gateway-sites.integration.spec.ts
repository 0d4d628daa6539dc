import { randomUUID } from 'node:crypto';
import { TOPICS, type AuditRecord, type RejectedEvent, type TrackingEvent } from '@tracking/contracts';
import { loadCustomerDirectory, resolveSite, siteIdFor, type CustomerConfig } from '@tracking/customers';
import { startGateway, type RunningService } from '@test/support/in-process-services';
import { writeSitesCustomer, type SitesCustomer } from '@test/support/site-customers';
import { customersDirectory } from '@test/support/test-customers';
import { readTopic, topicPositions } from '@test/support/topic-reader';
import { testEnvironment } from '@test/support/test-environment';

/**
 * Sites at the gateway (issue 23): every event published to tracking.events.v1 carries its site_id,
 * from the key's site or the page host; an undeclared host becomes a discovered site, unless the
 * customer restricts itself to its declared sites, which refuses it with 403 FORBIDDEN naming the host.
 */
describe('gateway sites', () => {
  const env = testEnvironment();
  const customersDir = customersDirectory();
  let gateway: RunningService;
  let agency: SitesCustomer;
  let closed: SitesCustomer;
  let configs: Map<string, CustomerConfig>;

  const send = (path: string, body: unknown, caller: { id: string }, token: string) =>
    fetch(`${gateway.url}${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Customer-ID': caller.id, Authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    agency = writeSitesCustomer(
      customersDir,
      'auto',
      [
        { id: 'bakery', name: 'The Bakery', domains: ['bakery.example', '*.bakery.example'], settings: { currency: 'EUR' } },
        { id: 'florist', domains: ['florist.example'] },
      ],
      'florist',
      ['https://www.bakery.example', 'https://new-client.example'],
    );
    closed = writeSitesCustomer(customersDir, 'restricted', [{ id: 'shop', domains: ['shop.example'] }], 'shop', ['https://shop.example']);
    configs = loadCustomerDirectory(customersDir).customers;
    gateway = await startGateway(env, { CUSTOMERS_DIR: customersDir });
  });

  afterAll(async () => {
    await gateway?.close();
  });

  it('writes the site into every event: declared domain, www, wildcard subdomain, discovered host, key site, none', async () => {
    const from = await topicPositions(env.kafkaBrokers, TOPICS.trackingEvents);
    const session = `sites-${randomUUID()}`;
    const cases: Array<{ page?: string; token: string; site: string | null }> = [
      { page: 'https://bakery.example/', token: agency.token, site: 'bakery' },
      { page: 'https://www.bakery.example/menu', token: agency.token, site: 'bakery' },
      { page: 'https://orders.bakery.example/cart', token: agency.token, site: 'bakery' },
      { page: 'https://florist.example/roses', token: agency.token, site: 'florist' },
      { page: 'https://WWW.New-Client.example/landing?utm_source=x', token: agency.token, site: 'new-client.example' },
      { page: 'https://bakery.example/bound', token: agency.boundToken, site: 'florist' },
      { token: agency.token, site: null },
      { token: agency.boundToken, site: 'florist' },
    ];
    const ids: string[] = [];
    for (const [index, item] of cases.entries()) {
      const response = await send('/api/v1/track', { event_type: 'page_view', session_id: session, event_id: `${session}-${index}`, ...(item.page ? { page_url: item.page } : {}) }, agency, item.token);
      expect(response.status).toBe(200);
      ids.push(`${session}-${index}`);
    }
    // The browser path: publishable key, allowed origin, the page's host decides.
    const collect = await fetch(`${gateway.url}/api/v1/tracking/collect?customer_id=${agency.id}&key=${agency.publishableKey}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Origin: 'https://new-client.example' },
      body: JSON.stringify({ event_type: 'page_view', session_id: session, event_id: `${session}-browser`, page_url: 'https://new-client.example/pricing' }),
    });
    expect(collect.status).toBe(200);

    const records = await readTopic<TrackingEvent>(env, TOPICS.trackingEvents, from, (seen) => seen.filter((record) => record.value.session_id === session).length >= cases.length + 1);
    const byId = new Map(records.map((record) => [record.value.event_id, record.value]));
    expect(ids.map((id) => byId.get(id)?.site_id)).toEqual(cases.map((item) => item.site));
    expect(byId.get(`${session}-browser`)?.site_id).toBe('new-client.example');

    // The derivation every service applies to a record without the field gives what the gateway wrote.
    const config = configs.get(agency.id) as CustomerConfig;
    for (const event of byId.values()) expect(siteIdFor(config, { ...event, site_id: null })).toBe(event.site_id);
    expect(resolveSite(config, { ...(byId.get(ids[4] as string) as TrackingEvent), site_id: null }).origin).toBe('discovered');
  });

  it("lists the declared sites and the discovery mode in the customer's tracking configuration", async () => {
    const response = await fetch(`${gateway.url}/api/v1/customer/${agency.id}/tracking-config`, { headers: { 'X-Customer-ID': agency.id, Authorization: `Bearer ${agency.token}` } });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { config: unknown }).config).toMatchObject({
      sites: [
        { id: 'bakery', name: 'The Bakery', domains: ['bakery.example', '*.bakery.example'], settings: { currency: 'EUR' } },
        { id: 'florist', name: null, domains: ['florist.example'], settings: {} },
      ],
      site_discovery: 'auto',
    });
  });

  it('accepts a bulk across declared and undeclared hosts of an auto-discovering customer, each event with its site', async () => {
    const from = await topicPositions(env.kafkaBrokers, TOPICS.trackingEvents);
    const batchId = `sites-bulk-${randomUUID()}`;
    const pages = ['https://bakery.example/a', 'https://another-client.example/b', 'https://florist.example/c'];
    const response = await send('/api/v1/track/bulk', { batch_id: batchId, events: pages.map((page) => ({ event_type: 'page_view', page_url: page })) }, agency, agency.token);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ events_processed: 3, events_failed: 0 });
    const records = await readTopic<TrackingEvent>(env, TOPICS.trackingEvents, from, (seen) => seen.filter((record) => record.value.batch_id === batchId).length >= 3);
    const sites = new Map(records.filter((record) => record.value.batch_id === batchId).map((record) => [record.value.page_url, record.value.site_id]));
    expect(pages.map((page) => sites.get(page))).toEqual(['bakery', 'another-client.example', 'florist']);
  });

  it('refuses an undeclared host of a customer restricted to its declared sites: 403 FORBIDDEN naming the host, a bad row and an audit record, no event', async () => {
    const from = await topicPositions(env.kafkaBrokers, TOPICS.trackingEvents);
    const rejectedFrom = await topicPositions(env.kafkaBrokers, TOPICS.trackingEventsRejected);
    const auditFrom = await topicPositions(env.kafkaBrokers, TOPICS.trackingAudit);
    const session = `restricted-${randomUUID()}`;

    const refused = await send('/api/v1/track', { event_type: 'page_view', session_id: session, event_id: `${session}-refused`, page_url: 'https://www.elsewhere.example/x' }, closed, closed.token);
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({
      error_code: 'FORBIDDEN',
      error: `Host "elsewhere.example" is not a declared site of customer "${closed.id}", which restricts tracking to its declared sites (site_discovery: restricted)`,
      details: [{ field: 'page_url' }],
      audit_logged: true,
    });
    // The key's site does not open an undeclared host either.
    expect((await send('/api/v1/track', { event_type: 'page_view', session_id: session, page_url: 'https://elsewhere.example/y' }, closed, closed.boundToken)).status).toBe(403);

    // A batch refused whole answers 403; a batch with a declared page passes it and lists the refused one.
    const allRefused = await send('/api/v1/track/bulk', { events: [{ event_type: 'page_view', page_url: 'https://a.elsewhere.example/' }, { event_type: 'page_view', page_url: 'https://b.elsewhere.example/' }] }, closed, closed.token);
    expect(allRefused.status).toBe(403);
    expect(await allRefused.json()).toMatchObject({ error_code: 'FORBIDDEN', error: expect.stringContaining('Hosts "a.elsewhere.example", "b.elsewhere.example" are not declared sites') });
    const batchId = `restricted-bulk-${randomUUID()}`;
    const mixed = await send(
      '/api/v1/track/bulk',
      { batch_id: batchId, events: [{ event_type: 'page_view', session_id: session, page_url: 'https://elsewhere.example/z' }, { event_type: 'page_view', session_id: session, event_id: `${session}-declared`, page_url: 'https://www.shop.example/' }, { event_type: 'signup', session_id: session, event_id: `${session}-no-page` }] },
      closed,
      closed.token,
    );
    expect(mixed.status).toBe(200);
    expect(await mixed.json()).toMatchObject({ events_processed: 2, events_failed: 1, errors: [{ index: 0, field: 'events[0].page_url', reason: expect.stringContaining('host "elsewhere.example" is not a declared site') }] });

    // Same session, so the same partition: once the declared event is read, anything published before it would have been too.
    const records = await readTopic<TrackingEvent>(env, TOPICS.trackingEvents, from, (seen) => seen.filter((record) => record.value.session_id === session).length >= 2);
    const ours = records.filter((record) => record.value.customer_id === closed.id);
    expect(ours.map((record) => [record.value.event_id, record.value.site_id])).toEqual([
      [`${session}-declared`, 'shop'],
      [`${session}-no-page`, null],
    ]);

    const rejected = await readTopic<RejectedEvent>(env, TOPICS.trackingEventsRejected, rejectedFrom, (seen) => seen.filter((record) => record.value.customer_id === closed.id).length >= 5);
    const reasons = rejected.filter((record) => record.value.customer_id === closed.id).map((record) => record.value.errors[0]?.reason ?? '');
    expect(reasons).toHaveLength(5);
    for (const reason of reasons) expect(reason).toMatch(/^host "[a-z.]*elsewhere\.example" is not a declared site of customer/);

    const audit = await readTopic<AuditRecord>(env, TOPICS.trackingAudit, auditFrom, (seen) => seen.filter((record) => record.value.customer_id === closed.id).length >= 4);
    expect(audit.filter((record) => record.value.customer_id === closed.id).map((record) => record.value.status_code).sort()).toEqual([200, 403, 403, 403]);
  });
});
