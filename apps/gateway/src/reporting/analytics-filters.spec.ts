import { ApiError } from '@tracking/http';
import { filterClause, parseAnalyticsFilters, rollupFilterClause } from './analytics-filters';

const NOW = new Date('2026-11-22T15:30:00Z');

describe('analytics filters', () => {
  it('defaults to 30 whole UTC days ending with today, ten rows per ranking', () => {
    const filters = parseAnalyticsFilters({}, NOW);
    expect(filters).toMatchObject({ windowDays: 30, from: new Date('2026-10-24T00:00:00Z'), to: new Date('2026-11-22T23:59:59.999Z'), limit: 10 });
  });

  it('takes 7, 30 or 90, with or without a d', () => {
    expect(parseAnalyticsFilters({ window: '7d' }, NOW).from).toEqual(new Date('2026-11-16T00:00:00Z'));
    expect(parseAnalyticsFilters({ window: '90' }, NOW).windowDays).toBe(90);
  });

  it('reads a URL as host and path prefix, and a bare path as a path prefix', () => {
    expect(parseAnalyticsFilters({ url: 'https://Shop.Example/docs?x=1' }, NOW)).toMatchObject({ pageHost: 'shop.example', pathPrefix: '/docs' });
    const root = parseAnalyticsFilters({ url: 'https://shop.example/' }, NOW);
    expect([root.pageHost, root.pathPrefix]).toEqual(['shop.example', undefined]);
    const path = parseAnalyticsFilters({ url: '/blog' }, NOW);
    expect([path.pageHost, path.pathPrefix]).toEqual([undefined, '/blog']);
  });

  it('names every bad parameter in one 400', () => {
    let error: unknown;
    try {
      parseAnalyticsFilters({ window: '14', limit: '500', url: 'javascript:alert(1)', event_name: ['a', 'b'] }, NOW);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(400);
    expect((error as ApiError).details?.map((detail) => detail.field)).toEqual(['window', 'limit', 'url', 'event_name']);
  });

  it('refuses NUL characters, which PostgreSQL text cannot hold (hostile-input drill)', () => {
    expect(() => parseAnalyticsFilters({ url: '/\u0000' }, NOW)).toThrow(ApiError);
    for (const field of ['event_name', 'event_type', 'window', 'limit']) {
      let error: unknown;
      try {
        parseAnalyticsFilters({ [field]: 'a\u0000' }, NOW);
      } catch (caught) {
        error = caught;
      }
      expect((error as ApiError).details?.map((detail) => detail.field)).toEqual([field]);
    }
  });

  it('matches a path prefix literally: LIKE wildcards in it are escaped', () => {
    const { where, values } = filterClause(parseAnalyticsFilters({ url: '/50%_off', event_name: 'signup' }, NOW), Buffer.alloc(32));
    expect(where).toBe("tenant_hk = $1 AND occurred_at >= $2 AND occurred_at <= $3 AND page_path LIKE $4 ESCAPE '\\' AND event_name = $5");
    expect(values.slice(3)).toEqual(['/50\\%\\_off%', 'signup']);
  });

  it('filters the daily rollups by the window\'s days and the same columns, qualified when asked', () => {
    const { where, values } = rollupFilterClause(parseAnalyticsFilters({ window: '7', url: 'https://shop.example/docs', event_type: 'page_view' }, NOW), Buffer.alloc(32), 'v');
    expect(where).toBe("v.tenant_hk = $1 AND v.day >= $2::date AND v.day <= $3::date AND v.page_host = $4 AND v.page_path LIKE $5 ESCAPE '\\' AND v.event_type = $6");
    expect(values.slice(1)).toEqual(['2026-11-16', '2026-11-22', 'shop.example', '/docs%', 'page_view']);
  });
});
