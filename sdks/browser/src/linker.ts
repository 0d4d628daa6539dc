/**
 * Cross-domain linking: a link from one of the customer's domains to another carries the visitor and
 * session ids in one query parameter, so the other domain (which cannot read this one's cookies)
 * continues the same visitor and session instead of counting a new one.
 *
 * The parameter is short-lived and bound to the browser: its check value covers the ids, the time it
 * was made, the customer and the browser's user agent and language. A link copied into a chat or a
 * search index is refused after LINKER_TTL_SECONDS or in another browser, so it cannot merge
 * strangers into one visitor. It is a checksum, not a secret signature: everything a page holds is
 * public, and a visitor who forges one only renames themself. The receiving page removes the
 * parameter from its address before anything is sent, so it never reaches the gateway.
 */

export const LINKER_PARAM = '_cpl';
export const LINKER_TTL_SECONDS = 120;
const ID = /^[\w-]+$/;
/** The parameter with its separator: `$1` keeps the one before it, `$2` is its value. */
const PARAM = /([?&])_cpl=([^&#]*)&?/;

export interface LinkedIds {
  visitorId: string;
  sessionId: string;
}

/** 32-bit FNV-1a: synchronous (a link is decorated inside its click), and enough for a checksum that guards against copies, not forgers. */
function checkValue(text: string): string {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index += 1) hash = Math.imul(hash ^ text.charCodeAt(index), 0x01000193);
  return (hash >>> 0).toString(36);
}

/** `1*<time>*<visitor>*<session>*<check value>`, the check value covering the rest and the browser binding. */
function signed(time: string, visitorId: string, sessionId: string, browser: string): string {
  const text = `1*${time}*${visitorId}*${sessionId}`;
  return `${text}*${checkValue(text + browser)}`;
}

/** The parameter's value for these ids, made now. `browser` binds it to this customer and browser. */
export function linkerValue(ids: LinkedIds, nowMs: number, browser: string): string {
  return signed(Math.floor(nowMs / 1000).toString(36), ids.visitorId, ids.sessionId, browser);
}

/** The ids a parameter value carries, if it is well formed, fresh and made for this browser. */
export function readLinker(value: string, nowMs: number, browser: string): LinkedIds | undefined {
  // A missing part fails the checks below (no defaults needed: the value made again would differ).
  const [, time, visitorId, sessionId] = value.split('*') as [string, string, string, string];
  const age = nowMs / 1000 - parseInt(time, 36);
  if (!ID.test(visitorId) || !ID.test(sessionId) || !(age <= LINKER_TTL_SECONDS)) return undefined;
  // No lower bound on the age: a link made by a clock ahead of this one lives that much longer, and links are copied, not forged.
  // Made again from its own parts: equal only if nothing was altered and it was made for this browser.
  return signed(time, visitorId, sessionId, browser) === value ? { visitorId, sessionId } : undefined;
}

/** `url` with the parameter set to `value` when it leads to another of the linked domains (subdomains included); otherwise undefined. */
export function linkedUrl(url: string, currentHost: string, linkDomains: readonly string[], value: () => string): string | undefined {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return undefined;
  }
  // URL lower-cases the host; a mailto: or javascript: link has none, so it matches no domain.
  const host = target.hostname;
  const linked = linkDomains.some((domain) => host === domain || host.endsWith(`.${domain}`));
  if (!linked || target.host === currentHost) return undefined;
  // Edited as text: rewriting the query through URLSearchParams would re-encode the site's own parameters.
  const search = withoutLinker(target.search);
  target.search = `${search ? `${search}&` : '?'}_cpl=${value()}`;
  return target.toString();
}

/** The parameter's value in `url`, and `url` without it; undefined when it has none. */
export function takeLinker(url: string): { value: string; rest: string } | undefined {
  const found = PARAM.exec(url);
  // Not decoded: the values made here hold only characters a query keeps as they are.
  return found ? { value: found[2] as string, rest: withoutLinker(url) } : undefined;
}

function withoutLinker(url: string): string {
  return url.replace(PARAM, '$1').replace(/[?&](#|$)/, '$1');
}
