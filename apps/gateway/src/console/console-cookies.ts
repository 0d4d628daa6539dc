/** The console's cookies and how they are written: pure, so the flags are unit-tested. */
export const SESSION_COOKIE = 'console_session';
export const CSRF_COOKIE = 'console_csrf';
export const CSRF_HEADER = 'x-csrf-token';

/** A cookie header's pairs; the first of a repeated name wins (a browser sends the most specific path first). */
export function readCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at <= 0) continue;
    const name = part.slice(0, at).trim();
    if (!cookies.has(name)) cookies.set(name, part.slice(at + 1).trim());
  }
  return cookies;
}

/** Secure everywhere but a loopback host: browsers send no Secure cookie over plain http://127.0.0.1. */
export function isLoopbackHost(host: string | undefined): boolean {
  const name = (host ?? '').trim().toLowerCase().replace(/:\d+$/, '');
  return name === 'localhost' || name === '127.0.0.1' || name === '[::1]';
}

export interface CookieOptions {
  secure: boolean;
  maxAgeSeconds: number;
}

/**
 * HttpOnly and SameSite=Strict on the session: script cannot read it and no other site's page can
 * make the browser send it. The CSRF cookie is readable by the console's own script (that is its
 * job: double submit), still SameSite=Strict.
 */
export function sessionCookies(sessionId: string, csrfToken: string, options: CookieOptions): string[] {
  const common = `Path=/; Max-Age=${options.maxAgeSeconds}; SameSite=Strict${options.secure ? '; Secure' : ''}`;
  return [`${SESSION_COOKIE}=${sessionId}; ${common}; HttpOnly`, `${CSRF_COOKIE}=${csrfToken}; ${common}`];
}

export function clearedCookies(secure: boolean): string[] {
  const common = `Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; SameSite=Strict${secure ? '; Secure' : ''}`;
  return [`${SESSION_COOKIE}=; ${common}; HttpOnly`, `${CSRF_COOKIE}=; ${common}`];
}
