/** Names containing these are always redacted (seed 002: "containing token, secret, password"). */
const SENSITIVE_PART = /token|secret|passw(or)?d/i;
/** Whole names that carry credentials without saying so; matched exactly, so `article_author` is left alone. */
// `_cpl` is the browser SDK's cross-domain link (visitor and session ids), in case a page without the SDK is reported.
const SENSITIVE_EXACT = new Set(['pwd', 'pass', 'apikey', 'api_key', 'api-key', 'auth', 'authorization', 'credential', 'credentials', 'sig', 'signature', '_cpl']);
export const REDACTED = 'REDACTED';

/**
 * Replaces the values of sensitive query parameters, and of those the customer lists, so a
 * password-reset link or a session token in a URL never reaches the topic.
 */
export function redactUrl(url: URL, extraNames: ReadonlySet<string>): URL {
  let changed = false;
  const params = new URLSearchParams(url.search);
  for (const name of new Set(params.keys())) {
    if (isSensitiveKey(name) || extraNames.has(name.toLowerCase())) {
      params.set(name, REDACTED);
      changed = true;
    }
  }
  if (!changed) return url;
  const redacted = new URL(url.toString());
  redacted.search = params.toString();
  return redacted;
}

export function isSensitiveKey(name: string): boolean {
  return SENSITIVE_PART.test(name) || SENSITIVE_EXACT.has(name.toLowerCase());
}
