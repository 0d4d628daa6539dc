/**
 * Query parameters that must never leave the page (seed 002: names containing token, secret or
 * password). The gateway applies the same rules again; redacting here as well means the value is
 * not even in the request, so no proxy, log or failed-request capture on the way ever holds it.
 */
const SENSITIVE_PART = /token|secret|passw(or)?d/i;
/** Whole names that carry credentials without saying so; matched exactly, so `article_author` stays. */
const SENSITIVE_EXACT = new Set(['pwd', 'pass', 'apikey', 'api_key', 'api-key', 'auth', 'authorization', 'credential', 'credentials', 'sig', 'signature']);

export const REDACTED = 'REDACTED';

export function isSensitiveParameter(name: string, extraNames: ReadonlySet<string>): boolean {
  const lower = name.toLowerCase();
  return SENSITIVE_PART.test(name) || SENSITIVE_EXACT.has(lower) || extraNames.has(lower);
}

/** Names given by the site, lower-cased once. */
export function redactionNames(names: readonly string[] | undefined): ReadonlySet<string> {
  return new Set((names ?? []).map((name) => name.toLowerCase()));
}

/** `a=1&token=x` with sensitive values replaced, or undefined when nothing had to change. */
function redactParameters(query: string, extraNames: ReadonlySet<string>): string | undefined {
  const params = new URLSearchParams(query);
  let changed = false;
  for (const name of new Set(params.keys())) {
    if (isSensitiveParameter(name, extraNames)) {
      params.set(name, REDACTED);
      changed = true;
    }
  }
  return changed ? params.toString() : undefined;
}

/**
 * The URL with sensitive query values replaced by REDACTED, in the query string and in a fragment
 * that holds parameters too (OAuth's `#access_token=`, hash routers' `#/reset?token=`). Untouched
 * URLs come back byte for byte; a string that is not an absolute URL comes back undefined, so
 * nothing unparsed is ever sent.
 */
export function redactUrl(raw: string, extraNames: ReadonlySet<string> = new Set()): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  let changed = false;
  const query = redactParameters(url.search, extraNames);
  if (query !== undefined) {
    url.search = query;
    changed = true;
  }
  if (url.hash.includes('=')) {
    const fragment = url.hash.slice(1);
    const start = fragment.indexOf('?') + 1;
    const redacted = redactParameters(fragment.slice(start), extraNames);
    if (redacted !== undefined) {
      url.hash = fragment.slice(0, start) + redacted;
      changed = true;
    }
  }
  return changed ? url.toString() : raw;
}
