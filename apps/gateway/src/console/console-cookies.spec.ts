import { CONSOLE_CSP, consoleFilePath } from './console-static';
import { clearedCookies, isLoopbackHost, readCookies, sessionCookies } from './console-cookies';

describe('console cookies', () => {
  it('marks the session HttpOnly, SameSite=Strict and Secure outside loopback; the CSRF cookie stays readable', () => {
    const [session, csrf] = sessionCookies('sid', 'csrf', { secure: true, maxAgeSeconds: 28_800 });
    expect(session).toBe('console_session=sid; Path=/; Max-Age=28800; SameSite=Strict; Secure; HttpOnly');
    expect(csrf).toBe('console_csrf=csrf; Path=/; Max-Age=28800; SameSite=Strict; Secure');
    expect(sessionCookies('sid', 'csrf', { secure: false, maxAgeSeconds: 1 })[0]).not.toContain('Secure');
  });

  it('clears both cookies', () => {
    expect(clearedCookies(false)).toEqual([
      'console_session=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; SameSite=Strict; HttpOnly',
      'console_csrf=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; SameSite=Strict',
    ]);
  });

  it('treats only localhost and loopback addresses as loopback', () => {
    expect(['localhost:3000', '127.0.0.1', '127.0.0.1:3000', '[::1]:3000'].map(isLoopbackHost)).toEqual([true, true, true, true]);
    expect(['tracking.example.com', 'localhost.example.com', undefined].map(isLoopbackHost)).toEqual([false, false, false]);
  });

  it('reads the first of each cookie name', () => {
    expect(Object.fromEntries(readCookies('a=1; console_session=x; console_session=y; bad'))).toEqual({ a: '1', console_session: 'x' });
  });
});

describe('console files', () => {
  it('never leaves the build directory', () => {
    expect(consoleFilePath('/srv/dist', 'assets/app.js')).toBe('/srv/dist/assets/app.js');
    expect(consoleFilePath('/srv/dist', '../secret')).toBeUndefined();
    expect(consoleFilePath('/srv/dist', '%2e%2e/secret')).toBeUndefined();
    expect(consoleFilePath('/srv/dist', 'a%00b')).toBeUndefined();
    expect(consoleFilePath('/srv/dist', '%E0%A4%A')).toBeUndefined();
  });

  it('forbids inline script', () => {
    expect(CONSOLE_CSP).toContain("script-src 'self';");
    expect(CONSOLE_CSP).not.toContain('unsafe-inline');
  });
});
