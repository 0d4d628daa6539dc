import { REDACTED, isSensitiveParameter, redactUrl, redactionNames } from './redaction';

describe(redactUrl.name, () => {
  it('replaces the values of parameters named like token, secret or password', () => {
    const sut = redactUrl('https://shop.example/reset?user=7&reset_token=abc123&client_secret=s3&Password=hunter2');
    expect(sut).toBe(`https://shop.example/reset?user=7&reset_token=${REDACTED}&client_secret=${REDACTED}&Password=${REDACTED}`);
  });

  it('replaces credentials that are not named so, matched by whole name only', () => {
    expect(redactUrl('https://a.example/?api_key=k&sig=x&article_author=ann')).toBe(`https://a.example/?api_key=${REDACTED}&sig=${REDACTED}&article_author=ann`);
  });

  it('replaces the parameters the site configured, whatever their case', () => {
    expect(redactUrl('https://a.example/?Coupon=SAVE10&page=2', redactionNames(['coupon']))).toBe(`https://a.example/?Coupon=${REDACTED}&page=2`);
  });

  it('redacts parameters in the fragment too (OAuth implicit flow, hash routers)', () => {
    expect(redactUrl('https://a.example/cb#access_token=abc&state=1')).toBe(`https://a.example/cb#access_token=${REDACTED}&state=1`);
    expect(redactUrl('https://a.example/#/reset?token=abc')).toBe(`https://a.example/#/reset?token=${REDACTED}`);
  });

  it('redacts a fragment parameter even when a later value holds a question mark', () => {
    expect(redactUrl('https://a.example/cb#access_token=SECRET&state=/back?to=1')).toBe(`https://a.example/cb#access_token=${REDACTED}&state=/back?to=1`);
  });

  it('strips user:password@ credentials', () => {
    expect(redactUrl('https://ann:hunter2@a.example/p?q=1')).toBe('https://a.example/p?q=1');
  });

  it('returns a URL that needs nothing redacted unchanged, byte for byte', () => {
    const raw = 'https://a.example/p?q=a%20b&utm_source=news#top';
    expect(redactUrl(raw)).toBe(raw);
  });

  it('returns undefined for what is not an absolute URL, so nothing unparsed is sent', () => {
    expect(redactUrl('/relative?token=abc')).toBeUndefined();
  });
});

describe(isSensitiveParameter.name, () => {
  it('knows the seed\'s names and leaves ordinary ones alone', () => {
    const none = new Set<string>();
    expect(['token', 'id_token', 'SECRET', 'passwd', 'pwd', 'auth'].every((name) => isSensitiveParameter(name, none))).toBe(true);
    expect(['page', 'author', 'utm_source', 'q'].some((name) => isSensitiveParameter(name, none))).toBe(false);
  });
});
