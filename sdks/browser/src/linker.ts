/**
 * Cross-domain linking: a link from one of the customer's domains to another carries the visitor and
 * session ids in one query parameter, so the other domain (which cannot read this one's cookies)
 * continues the same visitor and session instead of counting a new one.
 *
 * The parameter is short-lived and bound to the browser: its check value covers the ids, the time it
 * was made, the customer, the publishable key and the browser's user agent and language. A link
 * copied into a chat or a search index is refused after LINKER_TTL_SECONDS or in another browser, so
 * it cannot merge strangers into one visitor. It is a checksum, not a secret signature: everything a
 * page holds is public, and a visitor who forges one only renames themself. The receiving page removes
 * the parameter from its address before anything is sent, so it never reaches the gateway.
 */

export const LINKER_PARAM = '_cpl';
export const LINKER_TTL_SECONDS = 120;
/** A clock this far behind the other domain's still accepts its links. */
const CLOCK_SKEW_SECONDS = 30;
const VERSION = '1';
const ID = /^[0-9A-Za-z_-]{1,64}$/;

export interface LinkedIds {
  visitorId: string;
  sessionId: string;
}

/** Two 32-bit FNV-1a hashes with different offsets: 64 bits, synchronous (a link is decorated inside its click). */
function checkValue(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    a = Math.imul(a ^ code, 0x01000193);
    b = Math.imul(b ^ code, 0x01000193);
  }
  return (a >>> 0).toString(36) + '.' + (b >>> 0).toString(36);
}

function signed(ids: LinkedIds, seconds: number, browser: string): string {
  return checkValue([VERSION, ids.visitorId, ids.sessionId, seconds, browser].join('|'));
}

/** The parameter's value for these ids, made now. `browser` binds it to this customer and browser. */
export function linkerValue(ids: LinkedIds, nowMs: number, browser: string): string {
  const seconds = Math.floor(nowMs / 1000);
  return [VERSION, seconds.toString(36), ids.visitorId, ids.sessionId, signed(ids, seconds, browser)].join('*');
}

/** The ids a parameter value carries, if it is well formed, fresh and made for this browser. */
export function readLinker(value: string, nowMs: number, browser: string): LinkedIds | undefined {
  const parts = value.split('*');
  if (parts.length !== 5 || parts[0] !== VERSION) return undefined;
  const [, time, visitorId, sessionId, check] = parts as [string, string, string, string, string];
  const seconds = parseInt(time, 36);
  if (!Number.isSafeInteger(seconds) || !ID.test(visitorId) || !ID.test(sessionId)) return undefined;
  const age = nowMs / 1000 - seconds;
  if (age > LINKER_TTL_SECONDS || age < -CLOCK_SKEW_SECONDS) return undefined;
  const ids = { visitorId, sessionId };
  return check === signed(ids, seconds, browser) ? ids : undefined;
}

/** `url` parsed, when it leads to another of the linked domains (not this page's host); otherwise undefined. */
export function linkedDestination(url: string, currentHost: string, linkDomains: readonly string[]): URL | undefined {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return undefined;
  }
  if ((target.protocol !== 'http:' && target.protocol !== 'https:') || target.host === currentHost) return undefined;
  return linkDomains.some((domain) => hostMatches(target.hostname, domain)) ? target : undefined;
}

/** The destination with the parameter set to `value`. */
export function withLinker(destination: URL, value: string): string {
  const target = new URL(destination.toString());
  // Appended as text: rewriting the query through URLSearchParams would re-encode the site's own parameters.
  const search = withoutLinker(target.search);
  target.search = `${search ? `${search}&` : '?'}${LINKER_PARAM}=${value}`;
  return target.toString();
}

/** The parameter's value in `url`, and `url` without it (undefined when it has none). */
export function takeLinker(url: string): { value: string; rest: string } | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  const value = parsed.searchParams.get(LINKER_PARAM);
  if (value === null) return undefined;
  parsed.search = withoutLinker(parsed.search);
  return { value, rest: parsed.toString() };
}

/** A query string (`?a=1&_cpl=...`) without the parameter, the rest as it was written. */
function withoutLinker(search: string): string {
  const kept = search
    .replace(/^\?/, '')
    .split('&')
    .filter((pair) => pair !== '' && pair.split('=')[0] !== LINKER_PARAM);
  return kept.length > 0 ? `?${kept.join('&')}` : '';
}

/** `example.com` covers `example.com` and its subdomains; a leading dot is allowed. */
export function hostMatches(hostname: string, domain: string): boolean {
  const bare = domain.trim().toLowerCase().replace(/^\./, '');
  const host = hostname.toLowerCase();
  return bare !== '' && (host === bare || host.endsWith(`.${bare}`));
}
