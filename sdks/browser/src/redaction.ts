/**
 * Query parameters that must never leave the page (seed 002: names containing token, secret or
 * password). The gateway applies the same rules again; redacting here as well means the value is
 * not even in the request, so no proxy, log or failed-request capture on the way ever holds it.
 */
const SENSITIVE_PART = /token|secret|passw(or)?d/i;
/** Whole names that carry credentials without saying so; matched exactly, so `article_author` stays. */
// `_cpl` is the cross-domain link's visitor and session (linker.ts strips it; this covers a URL passed by hand).
const SENSITIVE_EXACT = new Set(['pwd', 'pass', 'apikey', 'api_key', 'api-key', 'auth', 'authorization', 'credential', 'credentials', 'sig', 'signature', '_cpl']);

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

/** Where a fragment parameter may start: `#a=1`, `#/p?a=1`, `&a=1`, `;a=1`, `/a=1`. */
const FRAGMENT_NAME = /(^|[?&;/])([^=&?;/#]+)=/g;

function decodeName(name: string): string {
  try {
    return decodeURIComponent(name.replace(/\+/g, ' '));
  } catch {
    return name;
  }
}

/**
 * The fragment with sensitive values replaced, or undefined when nothing had to change. Fragments
 * follow no grammar (`#access_token=x&state=/back?to=1`, `#/reset?token=x`), so every `name=`
 * after a separator is looked at, and a sensitive value is replaced up to the next `&` or `;`.
 */
function redactFragment(fragment: string, extraNames: ReadonlySet<string>): string | undefined {
  let result = '';
  let copied = 0;
  FRAGMENT_NAME.lastIndex = 0;
  for (let match = FRAGMENT_NAME.exec(fragment); match; match = FRAGMENT_NAME.exec(fragment)) {
    if (!isSensitiveParameter(decodeName(match[2] ?? ''), extraNames)) continue;
    const valueStart = match.index + match[0].length;
    const rest = fragment.slice(valueStart).search(/[&;]/);
    const valueEnd = rest < 0 ? fragment.length : valueStart + rest;
    result += `${fragment.slice(copied, valueStart)}${REDACTED}`;
    copied = valueEnd;
    FRAGMENT_NAME.lastIndex = valueEnd;
  }
  return copied === 0 ? undefined : result + fragment.slice(copied);
}

/**
 * The URL with sensitive query values replaced by REDACTED, in the query string and in a fragment
 * that holds parameters too (OAuth's `#access_token=`, hash routers' `#/reset?token=`), and without
 * `user:password@` credentials. Untouched URLs come back byte for byte; a string that is not an
 * absolute URL comes back undefined, so nothing unparsed is ever sent.
 */
export function redactUrl(raw: string, extraNames: ReadonlySet<string> = new Set()): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  let changed = false;
  if (url.username || url.password) {
    url.username = '';
    url.password = '';
    changed = true;
  }
  const query = redactParameters(url.search, extraNames);
  if (query !== undefined) {
    url.search = query;
    changed = true;
  }
  if (url.hash.includes('=')) {
    const redacted = redactFragment(url.hash.slice(1), extraNames);
    if (redacted !== undefined) {
      url.hash = redacted;
      changed = true;
    }
  }
  return changed ? url.toString() : raw;
}
