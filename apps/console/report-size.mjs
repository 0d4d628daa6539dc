// Prints the first load's JavaScript (every script index.html loads, and what those import
// statically: Vite puts it all in dist/assets) plain and gzipped, fails over the 250 KB gzipped
// budget of issue 21, and fails when index.html holds an inline script or style (the gateway's CSP
// forbids both).
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const BUDGET_GZIP_BYTES = 250 * 1024;
const dist = join(import.meta.dirname, 'dist');
const html = readFileSync(join(dist, 'index.html'), 'utf8');

const fail = (message) => {
  process.stderr.write(`apps/console build: ${message}\n`);
  process.exit(1);
};

if (/<script(?![^>]*\bsrc=)[^>]*>/i.test(html)) fail('index.html has an inline <script>; the CSP forbids it');
if (/<style[\s>]/i.test(html) || /\sstyle=/i.test(html)) fail('index.html has inline style; the CSP forbids it');

const scripts = readdirSync(join(dist, 'assets')).filter((name) => name.endsWith('.js'));
let plain = 0;
let gzip = 0;
for (const name of scripts) {
  const bytes = readFileSync(join(dist, 'assets', name));
  plain += bytes.length;
  gzip += gzipSync(bytes, { level: 9 }).length;
}
const kb = (bytes) => (bytes / 1024).toFixed(1);
process.stdout.write(`apps/console: first-load JavaScript ${kb(plain)} KB, ${kb(gzip)} KB gzipped (budget ${kb(BUDGET_GZIP_BYTES)} KB) in ${scripts.length} file(s)\n`);
if (gzip > BUDGET_GZIP_BYTES) fail(`first-load JavaScript is ${kb(gzip)} KB gzipped, over the ${kb(BUDGET_GZIP_BYTES)} KB budget`);
