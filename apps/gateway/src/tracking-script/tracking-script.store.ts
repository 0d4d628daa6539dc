import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Inject, Injectable } from '@nestjs/common';
import { LOGGER, type Logger } from '@tracking/observability';

/** The browser SDK package (@tracking-platform/browser), whose build `npm run build` runs. */
export const BROWSER_SDK_DIR = join('sdks', 'browser');
/** Its classic-script bundle, the same file the npm package ships (sdks/browser/build.mjs). */
export const TRACKING_SCRIPT_FILE = join(BROWSER_SDK_DIR, 'dist', 'tracking.min.js');

export interface TrackingScript {
  /** The package's version, which names the immutable URL /js/v<version>/tracking.min.js. */
  version: string;
  body: Buffer;
  /** Compressed once at load: every page of every customer's sites asks for this file. */
  gzipped: Buffer;
  /** Strong validator of the uncompressed bytes; the gzipped representation gets its own. */
  etag: string;
  gzippedEtag: string;
  /** tracking.min.js.map, which the script names (devtools fetch it beside the script); absent if not built. */
  sourceMap: Buffer | undefined;
}

/**
 * The repository root, found by walking up to the package.json that lists the SDK workspaces: the
 * gateway runs from apps/gateway/src (tests, `nest start`) or from dist/apps/gateway/src (`npm start`,
 * the Docker image), and the bundle sits under sdks/browser/dist in both cases.
 */
function repositoryRoot(from: string): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, BROWSER_SDK_DIR))) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

/** Reads the bundle from disk (the only file I/O of the route), once it exists, and keeps it. */
@Injectable()
export class TrackingScriptStore {
  private script: TrackingScript | undefined;
  private missingReported = false;
  private readonly root: string | undefined;

  constructor(@Inject(LOGGER) private readonly logger: Logger) {
    this.root = repositoryRoot(__dirname);
  }

  /** The bundle, or undefined while it is not built (tried again on the next request). */
  current(): TrackingScript | undefined {
    if (this.script) return this.script;
    const root = this.root;
    const path = root && join(root, TRACKING_SCRIPT_FILE);
    if (!root || !path || !existsSync(path)) {
      if (!this.missingReported) {
        this.logger.warn({ path: path ?? TRACKING_SCRIPT_FILE }, 'browser SDK bundle not found: GET /js/tracking.js answers 404 until `npm run build` makes it');
        this.missingReported = true;
      }
      return undefined;
    }
    const { version } = JSON.parse(readFileSync(join(root, BROWSER_SDK_DIR, 'package.json'), 'utf8')) as { version: string };
    const body = readFileSync(path);
    const digest = createHash('sha256').update(body).digest('base64url').slice(0, 27);
    const mapPath = `${path}.map`;
    const sourceMap = existsSync(mapPath) ? readFileSync(mapPath) : undefined;
    this.script = { version, body, gzipped: gzipSync(body, { level: 9 }), etag: `"${digest}"`, gzippedEtag: `"${digest}-gzip"`, sourceMap };
    return this.script;
  }
}
