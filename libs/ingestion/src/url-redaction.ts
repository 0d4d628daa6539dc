/** Query parameters named like these are always redacted (seed 002). */
const SENSITIVE_NAME = /token|secret|password|passwd|pwd|api[_-]?key|auth/i;
export const REDACTED = 'REDACTED';

/**
 * Replaces the values of sensitive query parameters, and of those the customer lists, so a
 * password-reset link or a session token in a URL never reaches the topic.
 */
export function redactUrl(url: URL, extraNames: ReadonlySet<string>): URL {
  let changed = false;
  const params = new URLSearchParams(url.search);
  for (const name of new Set(params.keys())) {
    if (SENSITIVE_NAME.test(name) || extraNames.has(name.toLowerCase())) {
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
  return SENSITIVE_NAME.test(name);
}
