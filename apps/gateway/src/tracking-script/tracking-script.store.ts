import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Inject, Injectable } from '@nestjs/common';
import { LOGGER, type Logger } from '@tracking/observability';

/** The browser SDK's classic-script bundle, as `npm run build` leaves it (sdks/browser/build.mjs). */
export const TRACKING_SCRIPT_FILE = join('dist', 'sdks', 'browser', 'tracking.js');

export interface TrackingScript {
  body: Buffer;
  /** Compressed once at load: every page of every customer's sites asks for this file. */
  gzipped: Buffer;
  /** Strong validator of the uncompressed bytes; the gzipped representation gets its own. */
  etag: string;
  gzippedEtag: string;
}

/**
 * The repository root, found by walking up to package.json: the gateway runs from apps/gateway/src
 * (tests, `nest start`) or from dist/apps/gateway/src (`npm start`, the Docker image), and the
 * bundle sits under dist/ in both cases.
 */
function repositoryRoot(from: string): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

/** Reads the bundle from disk (the only file I/O of the route), once it exists, and keeps it. */
@Injectable()
export class TrackingScriptStore {
  private script: TrackingScript | undefined;
  private missingReported = false;
  private readonly path: string | undefined;

  constructor(@Inject(LOGGER) private readonly logger: Logger) {
    const root = repositoryRoot(__dirname);
    this.path = root && join(root, TRACKING_SCRIPT_FILE);
  }

  /** The bundle, or undefined while it is not built (tried again on the next request). */
  current(): TrackingScript | undefined {
    if (this.script) return this.script;
    if (!this.path || !existsSync(this.path)) {
      if (!this.missingReported) {
        this.logger.warn({ path: this.path ?? TRACKING_SCRIPT_FILE }, 'browser SDK bundle not found: GET /js/tracking.js answers 404 until `npm run build` makes it');
        this.missingReported = true;
      }
      return undefined;
    }
    const body = readFileSync(this.path);
    const digest = createHash('sha256').update(body).digest('base64url').slice(0, 27);
    this.script = { body, gzipped: gzipSync(body, { level: 9 }), etag: `"${digest}"`, gzippedEtag: `"${digest}-gzip"` };
    return this.script;
  }
}
