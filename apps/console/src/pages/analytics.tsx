import { useEffect, useMemo, useState } from 'preact/hooks';
import { WINDOWS, analytics, csvUrl, sites, type AnalyticsReport, type AnalyticsWindow, type SiteFigures } from '../api/analytics';
import { RankedTable } from '../ranked-table';
import { SeriesChart } from '../series-chart';
import type { PageProps } from './index';

const PAGE_VIEWS = '#0b5cad';
const VISITORS = '#1f7a4d';

/**
 * Seed 002's analytics from the vault's daily rollups (GET /api/v1/tracking/analytics): page views
 * and visitors per day as a chart, top pages, referrers, UTM sources, mediums and campaigns, and the
 * event leaderboard, over 7, 30 or 90 days, for one site or all; the CSV export of the same window.
 */
export function AnalyticsPage({ customerId }: PageProps) {
  const [windowDays, setWindowDays] = useState<AnalyticsWindow>(30);
  const [site, setSite] = useState<string>('');
  const [report, setReport] = useState<AnalyticsReport | null>(null);
  const [siteList, setSiteList] = useState<SiteFigures[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);

  useEffect(() => {
    let stopped = false;
    setLoading(true);
    const query = { customerId, window: windowDays, siteId: site || undefined };
    Promise.all([analytics(query), sites(query)]).then(
      ([nextReport, nextSites]) => {
        if (stopped) return;
        setReport(nextReport);
        setSiteList(nextSites);
        setError(null);
        setLoading(false);
      },
      (failure: unknown) => {
        if (stopped) return;
        setError(failure instanceof Error ? failure.message : String(failure));
        setLoading(false);
      },
    );
    return () => {
      stopped = true;
    };
  }, [customerId, windowDays, site]);

  // Only named sites make a filter worth offering; events without a site are the "all sites" view's.
  const namedSites = siteList.filter((entry): entry is SiteFigures & { site_id: string } => entry.site_id !== null);
  const daily = report?.daily ?? [];
  const x = useMemo(() => daily.map((day) => Date.parse(`${day.date}T00:00:00Z`) / 1000), [daily]);
  const series = useMemo(
    () => [
      { label: 'Page views', color: PAGE_VIEWS, values: daily.map((day) => day.page_views) },
      { label: 'Unique visitors', color: VISITORS, values: daily.map((day) => day.unique_visitors) },
    ],
    [daily],
  );

  return (
    <section aria-labelledby="analytics-title" class="analytics">
      <div class="page-head analytics-head">
        <div>
          <h1 id="analytics-title">Analytics</h1>
          <p class="muted" aria-live="polite">
            {loading ? 'Loading…' : report ? `${report.from.slice(0, 10)} to ${report.to.slice(0, 10)} (UTC)` : ''}
          </p>
        </div>
        <div class="analytics-controls">
          <fieldset class="segmented">
            <legend>Window</legend>
            {WINDOWS.map((days) => (
              <label key={days} class={days === windowDays ? 'chosen' : ''}>
                <input type="radio" name="analytics-window" value={days} checked={days === windowDays} onChange={() => setWindowDays(days)} />
                {days} days
              </label>
            ))}
          </fieldset>
          {namedSites.length > 0 && (
            <label class="field">
              Site
              <select value={site} onChange={(event) => setSite((event.target as HTMLSelectElement).value)}>
                <option value="">All sites</option>
                {namedSites.map((entry) => (
                  <option key={entry.site_id} value={entry.site_id}>
                    {entry.site_id}
                  </option>
                ))}
              </select>
            </label>
          )}
          <a class="button-link" href={csvUrl({ customerId, window: windowDays, siteId: site || undefined })} download>
            Download CSV
          </a>
        </div>
      </div>
      {error && (
        <p class="error" role="alert">
          Could not load the analytics: {error}
        </p>
      )}
      <div class="tiles four">
        <Tile label="Page views" value={report?.totals.page_views} />
        <Tile label="Unique visitors" value={report?.totals.unique_visitors} />
        <Tile label="Sessions" value={report?.totals.sessions} />
        <Tile label="Events" value={report?.totals.events} />
      </div>
      <figure class="card">
        <figcaption>
          <h2>Page views per day</h2>
        </figcaption>
        <div role="img" aria-label={dailySummary(report)}>
          <SeriesChart x={x} series={series} yLabel="per day" />
        </div>
      </figure>
      <div class="grid-two">
        <section class="card">
          <RankedTable
            caption="Top pages"
            nameHeader="Page"
            valueHeader="Page views"
            extraHeader="Visitors"
            rows={(report?.top_pages ?? []).map((row) => ({ key: row.page, name: row.page, value: row.page_views, extra: row.unique_visitors }))}
            empty="No page views in this window."
          />
        </section>
        <section class="card">
          <RankedTable
            caption="Referrers"
            nameHeader="Domain"
            valueHeader="Page views"
            extraHeader="Visitors"
            rows={(report?.referrers ?? []).map((row) => ({ key: row.referrer_domain, name: row.referrer_domain, value: row.page_views, extra: row.unique_visitors }))}
            empty="No referrer in this window."
          />
        </section>
        <section class="card">
          <RankedTable
            caption="Event leaderboard"
            nameHeader="Event"
            valueHeader="Events"
            extraHeader="Visitors"
            rows={(report?.event_leaderboard ?? []).map((row) => ({
              key: `${row.event_type}|${row.event_name ?? ''}`,
              name: row.event_name ? `${row.event_type}: ${row.event_name}` : row.event_type,
              value: row.events,
              extra: row.unique_visitors,
            }))}
            empty="No events other than page views in this window."
          />
        </section>
        {(['sources', 'mediums', 'campaigns'] as const).map((dimension) => (
          <section class="card" key={dimension}>
            <RankedTable
              caption={`UTM ${dimension}`}
              nameHeader={dimension.slice(0, -1).replace(/^./, (first) => first.toUpperCase())}
              valueHeader="Events"
              extraHeader="Sessions"
              rows={(report?.utm[dimension] ?? []).map((row) => ({ key: row.value, name: row.value, value: row.events, extra: row.sessions }))}
              empty={`No UTM ${dimension.slice(0, -1)} in this window.`}
            />
          </section>
        ))}
      </div>
    </section>
  );
}

function Tile({ label, value }: { label: string; value: number | undefined }) {
  return (
    <div class="tile card">
      <span class="tile-label">{label}</span>
      <span class="tile-value">{value === undefined ? '…' : value.toLocaleString()}</span>
    </div>
  );
}

function dailySummary(report: AnalyticsReport | null): string {
  if (!report) return 'Page views per day: loading';
  const busiest = report.daily.reduce<AnalyticsReport['daily'][number] | undefined>((best, day) => (!best || day.page_views > best.page_views ? day : best), undefined);
  return `Page views per day over ${report.window_days} days: ${report.totals.page_views} in total` + (busiest && busiest.page_views > 0 ? `, most on ${busiest.date} (${busiest.page_views})` : '');
}
