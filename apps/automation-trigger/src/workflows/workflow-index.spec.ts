import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { TrackingEvent } from '@tracking/contracts';
import { AutomationsFileError, globToRegExp, parseAutomationsFile, type Workflow } from '@tracking/customers';
import { WorkflowIndex, failedFilter } from './workflow-index';

const SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
const ENV = { HOLIDAY_SECRET: SECRET };

const event = (overrides: Partial<TrackingEvent>): TrackingEvent =>
  ({
    event_id: 'e1',
    customer_id: 'shop',
    event_type: 'page_view',
    event_name: 'Holiday',
    session_id: 's1',
    page_url: 'https://shop.example/holiday/deals?utm_campaign=holiday_2024',
    occurred_at: Date.parse('2026-11-22T10:00:00Z'),
    event_data: '{}',
    utm_source: null,
    utm_medium: null,
    utm_campaign: 'holiday_2024',
    utm_term: null,
    utm_content: null,
    ...overrides,
  }) as TrackingEvent;

const workflows = parseAutomationsFile(
  'shop',
  {
    workflows: [
      {
        id: 'holiday',
        trigger: 'site_page_view',
        filters: { url_path: { prefix: '/holiday' }, properties: { utm_campaign: { equals: 'holiday_2024' } } },
        webhook: { url: 'https://hooks.example/h', secret_env: 'HOLIDAY_SECRET' },
      },
      { id: 'blog', trigger: 'site_page_view', filters: { url_path: { glob: '/blog/*' } } },
      { id: 'signup', trigger: 'site_custom_event', filters: { event_name: ['signup', 'register'], properties: { plan: { one_of: ['pro', 'team'] }, coupon: { exists: false } } } },
      { id: 'off', trigger: 'site_custom_event', enabled: false },
    ],
  },
  ENV,
);
const index = new WorkflowIndex(workflows);
const ids = (e: TrackingEvent) => index.match(e).map((workflow) => workflow.workflowId);

describe('workflow subscriptions', () => {
  it('reads workflows, decoding webhook secrets from the environment', () => {
    expect(workflows.map((workflow) => workflow.workflowId)).toEqual(['holiday', 'blog', 'signup']);
    expect(workflows[0]?.webhook?.secrets[0]).toEqual(Buffer.alloc(32, 7));
  });

  it('fires a page view on its URL prefix and UTM campaign, and nothing else', () => {
    expect(ids(event({}))).toEqual(['holiday']);
    expect(ids(event({ utm_campaign: 'summer' }))).toEqual([]);
    expect(ids(event({ page_url: 'https://shop.example/pricing' }))).toEqual([]);
    expect(ids(event({ event_type: 'click' }))).toEqual([]);
  });

  it('matches globs within one segment', () => {
    expect(ids(event({ page_url: 'https://shop.example/blog/post', utm_campaign: null }))).toEqual(['blog']);
    expect(ids(event({ page_url: 'https://shop.example/blog/a/b', utm_campaign: null }))).toEqual([]);
    expect(globToRegExp('/docs/**').test('/docs/a/b')).toBe(true);
    expect(globToRegExp('/a.b/?').test('/aXb/c')).toBe(false);
  });

  it('matches custom events by name and properties (one of, exists)', () => {
    const signup = (data: object) => event({ event_type: 'form_submission', event_name: 'signup', event_data: JSON.stringify(data) });
    expect(ids(signup({ plan: 'pro' }))).toEqual(['signup']);
    expect(ids(signup({ plan: 'free' }))).toEqual([]);
    expect(ids(signup({ plan: 'team', coupon: 'X' }))).toEqual([]);
    expect(ids(event({ event_type: 'form_submission', event_name: 'other', event_data: '{"plan":"pro"}' }))).toEqual([]);
  });

  it("never matches another customer's workflows", () => {
    expect(ids(event({ customer_id: 'other' }))).toEqual([]);
  });

  it('refuses a bad file, naming every bad field', () => {
    const parse = () =>
      parseAutomationsFile(
        'shop',
        {
          workflows: [
            { id: 'Bad Id', trigger: 'page_view', filters: { url_path: { regex: '.*' }, properties: { plan: { greater: 3 } } } },
            { id: 'hook', trigger: 'site_custom_event', webhook: { url: 'ftp://x', secret_env: 'MISSING_SECRET' } },
          ],
        },
        ENV,
      );
    expect(parse).toThrow(AutomationsFileError);
    try {
      parse();
    } catch (error) {
      const fields = (error as AutomationsFileError).problems.map((problem) => problem.split(' ')[1]);
      expect(fields).toEqual([
        'workflows[0].id',
        'workflows[0].trigger',
        'workflows[0].filters.url_path',
        'workflows[0].filters.properties.plan',
        'workflows[1].webhook.url',
        'workflows[1].webhook.secret_env',
      ]);
    }
  });

  it("reads the example customer's workflows", () => {
    const file = join(__dirname, '../../../../example-customers/configurations/one_spa/automations.yaml');
    const workflows = parseAutomationsFile('one_spa', parse(readFileSync(file, 'utf8')), {});
    expect(workflows.map((workflow) => workflow.workflowId)).toEqual(['holiday_landing', 'booking_started']);
    const index = new WorkflowIndex(workflows);
    expect(index.match(event({ customer_id: 'one_spa', page_url: 'https://spa.example/landing/x?utm_campaign=holiday_2024' })).map((w) => w.workflowId)).toEqual(['holiday_landing']);
  });

  it('finds by path index exactly the workflows a filter-by-filter check would fire, in declaration order', () => {
    const filters = [{ exact: '/a/b' }, { prefix: '/a' }, { prefix: '/a/b/' }, { glob: '/a/*/c' }, { glob: '/**/c' }, { prefix: '/' }, { exact: '/a' }, undefined];
    const many = parseAutomationsFile(
      'shop',
      { workflows: Array.from({ length: 400 }, (_, i) => ({ id: `w${i}`, trigger: 'site_page_view', ...(filters[i % filters.length] ? { filters: { url_path: filters[i % filters.length] } } : {}) })) },
      ENV,
    );
    const sut = new WorkflowIndex(many);
    const bruteForce = (path: string) =>
      many
        .filter((workflow) => {
          const filter = workflow.path;
          if (!filter) return true;
          if (filter.kind === 'exact') return path === filter.value;
          if (filter.kind === 'prefix') return path.startsWith(filter.value);
          return globToRegExp(filter.value).test(path);
        })
        .map((workflow) => workflow.workflowId);
    for (const path of ['/a/b', '/a', '/a/b/c', '/a/x/c', '/b/c', '/', '/ab', '/a/b/']) {
      expect(sut.match(event({ event_name: null, page_url: `https://shop.example${path}` })).map((workflow) => workflow.workflowId)).toEqual(bruteForce(path));
    }
  });

  it('finds by property value index exactly the workflows a filter-by-filter check would fire, unindexable filters included, in declaration order', () => {
    // Filed by value: equals and one_of (numbers and booleans compare as text); not: exists, which
    // is checked on the candidates found otherwise, as are every filter after the one filed by.
    const shapes: Array<Record<string, unknown>> = [
      { properties: { utm_campaign: 'winter_1' } },
      { url_path: { prefix: '/' }, properties: { utm_campaign: { one_of: ['winter_1', 'winter_2', 'winter_1'] } } },
      { url_path: '/book', properties: { utm_source: 'google' } },
      { url_path: { glob: '/blog/*' }, properties: { utm_source: { one_of: ['newsletter', 'instagram'] }, coupon: { exists: false } } },
      { properties: { coupon: { exists: true }, plan: 'pro' } },
      { properties: { coupon: { exists: true } } },
      { properties: { coupon: { exists: false } } },
      { properties: { quantity: 2 } },
      { properties: { gift: true, plan: { one_of: ['pro', 'team'] } } },
      { event_name: ['signup', 'register'], properties: { plan: 'team' } },
      { event_name: ['signup'] },
      { url_path: { prefix: '/blog/' } },
      {},
    ];
    const many = parseAutomationsFile(
      'shop',
      {
        workflows: Array.from({ length: 260 }, (_, i) => ({
          id: `w${i}`,
          trigger: i % 2 === 0 ? 'site_page_view' : 'site_custom_event',
          filters: shapes[Math.floor(i / 2) % shapes.length],
        })),
      },
      ENV,
    );
    const sut = new WorkflowIndex(many);
    const datas = [{}, { plan: 'pro' }, { plan: 'team', coupon: 'X' }, { coupon: null, plan: 'team' }, { quantity: 2 }, { quantity: '2' }, { gift: true, plan: 'pro' }, { gift: 'true' }, { plan: ['pro'] }, { plan: { v: 'pro' } }, { utm_campaign: 'winter_2' }];
    const samples = ['/', '/book', '/blog/post', '/blog/a/b', null].flatMap((path) =>
      ['page_view', 'form_submission'].flatMap((eventType) =>
        [null, 'signup', 'register', 'other'].flatMap((name) =>
          [null, 'winter_1', 'winter_9'].flatMap((campaign) =>
            datas.map((data) =>
              event({
                event_type: eventType,
                event_name: name,
                page_url: path === null ? null : `https://shop.example${path}`,
                utm_campaign: campaign,
                utm_source: path === '/book' ? 'google' : 'instagram',
                event_data: JSON.stringify(data),
              }),
            ),
          ),
        ),
      ),
    );
    let fired = 0;
    for (const sample of samples) {
      const expected = many.filter((workflow) => failedFilter(workflow, sample) === undefined).map((workflow) => workflow.workflowId);
      expect(sut.match(sample).map((workflow) => workflow.workflowId)).toEqual(expected);
      fired += expected.length;
    }
    expect(fired).toBeGreaterThan(samples.length);
  });

  it('names the first filter a workflow does not pass, and nothing for one that fires (the check match() applies)', () => {
    const [holiday, blog, signup] = workflows as [Workflow, Workflow, Workflow];
    expect(failedFilter(holiday, event({}))).toBeUndefined();
    expect(failedFilter(holiday, event({ event_type: 'click' }))?.field).toBe('trigger');
    expect(failedFilter(holiday, event({ page_url: 'https://shop.example/pricing' }))).toEqual({
      field: 'filters.url_path',
      reason: 'the path "/pricing" does not match prefix "/holiday"',
    });
    expect(failedFilter(holiday, event({ utm_campaign: 'summer', page_url: 'https://shop.example/holiday/x' }))).toEqual({
      field: 'filters.properties.utm_campaign',
      reason: 'utm_campaign is "summer", and must equal "holiday_2024"',
    });
    expect(failedFilter(blog, event({ page_url: null }))?.field).toBe('filters.url_path');
    const signupEvent = (name: string, data: object) => event({ event_type: 'form_submission', event_name: name, event_data: JSON.stringify(data) });
    expect(failedFilter(signup, signupEvent('other', { plan: 'pro' }))?.field).toBe('filters.event_name');
    expect(failedFilter(signup, signupEvent('signup', { plan: 'pro', coupon: 'X' }))).toEqual({ field: 'filters.properties.coupon', reason: 'coupon is "X", and must be absent' });
    // The verdict is the index's: for these events, fires exactly when no filter failed.
    for (const sample of [event({}), event({ utm_campaign: 'x' }), signupEvent('signup', { plan: 'team' }), signupEvent('register', { plan: 'free' })]) {
      expect(ids(sample)).toEqual(workflows.filter((workflow) => failedFilter(workflow, sample) === undefined).map((workflow) => workflow.workflowId));
    }
  });

  it('refuses a filter it does not know (it would otherwise fire on everything)', () => {
    expect(() => parseAutomationsFile('shop', { workflows: [{ id: 'x', trigger: 'site_page_view', filters: { url_contains: '/pricing' } }] }, ENV)).toThrow(
      /workflows\[0\]\.filters\.url_contains is not a filter: use url_path, event_name, properties/,
    );
  });
});
