import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The READMEs' script tags pin /js/v<version>/tracking.min.js with an integrity hash; a browser
 * refuses the script when the hash is not the file's. The browser package's build makes the file
 * in memory (`build.mjs --integrity`, the same esbuild run as `npm run build`) and these tags must
 * name its version and hash, so a change to the SDK that forgets the READMEs fails here.
 */
const ROOT = join(__dirname, '..', '..');
const READMES = ['README.md', join('sdks', 'browser', 'README.md')];
const VERSIONED_TAG = /<script\b[^>]*\bsrc="[^"]*\/js\/v([^/"]+)\/tracking\.min\.js"[^>]*>/g;

interface Built {
  version: string;
  integrity: string;
  bytes: number;
  gzipBytes: number;
}

describe('browser SDK snippets in the READMEs', () => {
  const built = JSON.parse(execFileSync(process.execPath, [join(ROOT, 'sdks', 'browser', 'build.mjs'), '--integrity'], { encoding: 'utf8' })) as Built;

  it.each(READMES)('%s pins the current release by its integrity hash', (readme) => {
    const tags = [...readFileSync(join(ROOT, readme), 'utf8').matchAll(VERSIONED_TAG)];
    expect(tags.length).toBeGreaterThan(0);
    for (const [tag, version] of tags) {
      expect(version).toBe(built.version);
      expect(tag).toContain(`integrity="${built.integrity}"`);
      expect(tag).toContain('crossorigin="anonymous"');
    }
  });

  it('keeps the script within 8 KB gzipped', () => {
    expect(built.gzipBytes).toBeLessThanOrEqual(8 * 1024);
  });
});
