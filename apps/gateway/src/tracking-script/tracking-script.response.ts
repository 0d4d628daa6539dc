import type { TrackingScript } from './tracking-script.store';

export interface ScriptResponse {
  status: 200 | 304;
  headers: Record<string, string>;
  body: Buffer | '';
}

/**
 * /js/tracking.js is not versioned (the snippet pages embed never changes), so caches keep it
 * briefly and revalidate with the ETag: a fixed SDK reaches every page within minutes, at the cost
 * of a 304 now and then.
 */
export const SCRIPT_CACHE_CONTROL = 'public, max-age=300, stale-while-revalidate=3600';

/** /js/v<version>/tracking.min.js never changes: a release is a new URL (and a new integrity hash). */
export const VERSIONED_SCRIPT_CACHE_CONTROL = 'public, max-age=31536000, immutable';

/** `gzip` accepted by Accept-Encoding, and not with q=0. */
export function acceptsGzip(acceptEncoding: string | undefined): boolean {
  return (acceptEncoding ?? '').split(',').some((entry) => {
    const [coding, ...parameters] = entry.trim().toLowerCase().split(';');
    if (coding !== 'gzip' && coding !== '*') return false;
    const q = parameters.map((parameter) => parameter.trim()).find((parameter) => parameter.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}

/** If-None-Match compares weakly (RFC 9110 13.1.2): `W/` prefixes are ignored, `*` matches anything. */
export function notModified(ifNoneMatch: string | undefined, etags: string[]): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch.split(',').some((tag) => {
    const value = tag.trim().replace(/^W\//, '');
    return value === '*' || etags.includes(value);
  });
}

/** The answer to GET /js/tracking.js (or, with its cache control, the versioned URL) for these request headers. */
export function scriptResponse(
  script: TrackingScript,
  request: { ifNoneMatch?: string; acceptEncoding?: string },
  cacheControl: string = SCRIPT_CACHE_CONTROL,
): ScriptResponse {
  const gzip = acceptsGzip(request.acceptEncoding);
  const headers: Record<string, string> = {
    'Content-Type': 'application/javascript; charset=utf-8',
    'Cache-Control': cacheControl,
    ETag: gzip ? script.gzippedEtag : script.etag,
    Vary: 'Accept-Encoding',
    'X-Content-Type-Options': 'nosniff',
    // Public code without credentials: any site may embed it, also with crossorigin/integrity (SRI)
    // or under Cross-Origin-Embedder-Policy.
    'Access-Control-Allow-Origin': '*',
    'Cross-Origin-Resource-Policy': 'cross-origin',
  };
  if (notModified(request.ifNoneMatch, [script.etag, script.gzippedEtag])) return { status: 304, headers, body: '' };
  if (gzip) headers['Content-Encoding'] = 'gzip';
  return { status: 200, headers, body: gzip ? script.gzipped : script.body };
}
