/**
 * A URL as it may be printed: user and password replaced. Connection URLs (DATABASE_URL, REDIS_URL,
 * a registry URL with credentials in it) reach log lines and error messages; their secrets must not.
 * Text that is not a URL is returned as a placeholder rather than as it is, since it may still hold one.
 */
export function redactedUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return '[unparsable URL]';
  }
  if (url.password !== '') url.password = 'redacted';
  // Query parameters such as `password=` (pg accepts them) are secrets too.
  for (const key of [...url.searchParams.keys()]) {
    if (/pass|secret|token/i.test(key)) url.searchParams.set(key, 'redacted');
  }
  return url.toString();
}
