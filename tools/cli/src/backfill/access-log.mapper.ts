import type { TrackEventRequest } from '@tracking/ingestion';
import type { AccessLogEntry } from './combined-log.parser';
import type { Sessionizer } from './sessionizer';
import type { CandidateEvent, SkipReason } from './source-record';

/**
 * Static files a page pulls in: requests for them are not page views. Pages may have any other
 * extension (.html, .php) or none, and a path such as /users/jane.doe must stay a page, so this is
 * a list of what to skip rather than of what to keep.
 */
const ASSET_EXTENSIONS: ReadonlySet<string> = new Set([
  'css', 'js', 'mjs', 'map', 'json', 'xml', 'txt',
  'png', 'jpg', 'jpeg', 'gif', 'svg', 'ico', 'webp', 'avif', 'bmp',
  'woff', 'woff2', 'ttf', 'otf', 'eot',
  'mp4', 'webm', 'mp3', 'ogg', 'wav',
  'pdf', 'zip', 'gz',
]);

export type AccessLogMapping = { kind: 'event'; event: CandidateEvent } | { kind: 'skip'; reason: SkipReason };

function isAsset(pathname: string): boolean {
  const segment = pathname.slice(pathname.lastIndexOf('/') + 1);
  const dot = segment.lastIndexOf('.');
  return dot > 0 && ASSET_EXTENSIONS.has(segment.slice(dot + 1).toLowerCase());
}

/** The path and query of the request target; an absolute-form target (a proxy request) keeps only those. */
function pathAndQuery(target: string): string | undefined {
  if (target.startsWith('/')) return target.replace(/#.*$/, '');
  if (!/^https?:\/\//i.test(target) || !URL.canParse(target)) return undefined;
  const url = new URL(target);
  return `${url.pathname}${url.search}`;
}

/** A browser sends only http(s) referrers; anything else in the header is dropped rather than failing the page view. */
function usableReferrer(referrer: string | null): string | undefined {
  if (!referrer || !URL.canParse(referrer)) return undefined;
  return /^https?:$/.test(new URL(referrer).protocol) ? referrer : undefined;
}

/**
 * One access log request to what the browser SDK would have sent for it: a `page_view` of
 * `<site>/<path>` at the request's time, in the visitor's session, with the client address and user
 * agent as request facts. Bots are not filtered here: the pipeline's bot detection scores them, as
 * the gateway does.
 */
export class AccessLogMapper {
  constructor(
    /** Origin of the site the log belongs to, e.g. `https://www.example.com`. */
    private readonly siteOrigin: string,
    private readonly sessions: Sessionizer,
  ) {}

  map(entry: AccessLogEntry): AccessLogMapping {
    if (!entry.request) return { kind: 'skip', reason: 'not_a_page_request' };
    if (entry.request.method !== 'GET') return { kind: 'skip', reason: 'not_get' };
    if (entry.status < 200 || entry.status >= 400) return { kind: 'skip', reason: 'unsuccessful_status' };
    const path = pathAndQuery(entry.request.target);
    if (path === undefined) return { kind: 'skip', reason: 'not_a_page_request' };
    // Concatenated, never resolved: a target such as //other.example/x must stay a path of this site.
    const pageUrl = `${this.siteOrigin}${path}`;
    if (!URL.canParse(pageUrl)) return { kind: 'skip', reason: 'not_a_page_request' };
    if (isAsset(new URL(pageUrl).pathname)) return { kind: 'skip', reason: 'asset' };

    const referrer = usableReferrer(entry.referrer);
    const body: TrackEventRequest = {
      event_type: 'page_view',
      page_url: pageUrl,
      occurred_at: new Date(entry.time).toISOString(),
      session_id: this.sessions.sessionFor(JSON.stringify([entry.remoteHost, entry.userAgent ?? '']), entry.time),
      // A log does not know what the visitor answered to the consent banner: for a customer that
      // requires consent the pipeline then drops the request, as the gateway never received it.
      consent_state: 'pending',
      ...(referrer ? { referrer } : {}),
    };
    // The request as logged, on this site: the same line gives the same id whatever was read before it.
    const { method, target } = entry.request;
    const identity = ['access-log', this.siteOrigin, entry.remoteHost, entry.time, method, target, entry.status, entry.referrer, entry.userAgent];
    return { kind: 'event', event: { body, clientIp: entry.remoteHost, userAgent: entry.userAgent, identity } };
  }
}
