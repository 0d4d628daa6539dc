import { SCRIPT_CACHE_CONTROL, VERSIONED_SCRIPT_CACHE_CONTROL, acceptsGzip, notModified, scriptResponse } from './tracking-script.response';
import type { TrackingScript } from './tracking-script.store';

const script: TrackingScript = { version: '1.0.0', body: Buffer.from('js'), gzipped: Buffer.from('gz'), etag: '"abc"', gzippedEtag: '"abc-gzip"', sourceMap: undefined };

describe(scriptResponse.name, () => {
  it('answers the script as JavaScript, cacheable, with its ETag', () => {
    const sut = scriptResponse(script, {});
    expect(sut.status).toBe(200);
    expect(sut.body).toBe(script.body);
    expect(sut.headers).toMatchObject({ 'Content-Type': 'application/javascript; charset=utf-8', 'Cache-Control': SCRIPT_CACHE_CONTROL, ETag: '"abc"' });
    expect(sut.headers['Content-Encoding']).toBeUndefined();
  });

  it('answers the versioned URL as immutable for a year', () => {
    expect(scriptResponse(script, { acceptEncoding: 'gzip' }, VERSIONED_SCRIPT_CACHE_CONTROL).headers['Cache-Control']).toBe('public, max-age=31536000, immutable');
  });

  it('answers gzip, under its own ETag, to a client that accepts it', () => {
    const sut = scriptResponse(script, { acceptEncoding: 'gzip, deflate, br' });
    expect(sut.body).toBe(script.gzipped);
    expect(sut.headers).toMatchObject({ 'Content-Encoding': 'gzip', ETag: '"abc-gzip"', Vary: 'Accept-Encoding' });
  });

  it('answers 304 without a body when the client has it', () => {
    expect(scriptResponse(script, { ifNoneMatch: 'W/"abc-gzip"', acceptEncoding: 'gzip' })).toMatchObject({ status: 304, body: '' });
    expect(scriptResponse(script, { ifNoneMatch: '"old", "abc"' })).toMatchObject({ status: 304 });
    expect(scriptResponse(script, { ifNoneMatch: '"old"' })).toMatchObject({ status: 200 });
  });
});

describe(acceptsGzip.name, () => {
  it('honours q=0 and wildcards', () => {
    expect(acceptsGzip('gzip;q=0, br')).toBe(false);
    expect(acceptsGzip('*')).toBe(true);
    expect(acceptsGzip('identity')).toBe(false);
    expect(acceptsGzip(undefined)).toBe(false);
  });
});

describe(notModified.name, () => {
  it('matches * and nothing when the header is absent', () => {
    expect(notModified('*', ['"a"'])).toBe(true);
    expect(notModified(undefined, ['"a"'])).toBe(false);
  });
});
