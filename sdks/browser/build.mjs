// Builds @tracking-platform/browser with esbuild (JavaScript, minified, with source maps) and the
// TypeScript compiler (declarations only) into dist/:
//   tracking.min.js         one classic script exposing window.Tracking: what pages embed, and what the
//                           gateway serves at /js/tracking.js and /js/v<version>/tracking.min.js
//   index.mjs, index.cjs    the API as an ES module and as CommonJS (createTracker), for bundlers
//   types/*.d.ts            declarations
// Prints the script's size (plain and gzipped) and its SRI hash, and fails when it is over budget.
// `node build.mjs --integrity` builds the script in memory only and prints { integrity, bytes, gzipBytes }
// as JSON: test/unit/sdk-browser-readme.spec.ts holds the README's snippet to it.
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import ts from 'typescript';

const here = dirname(fileURLToPath(import.meta.url));

const print = (line) => process.stdout.write(`${line}\n`);

function fail(message) {
  process.stderr.write(`${relative(process.cwd(), here) || '.'} build: ${message}\n`);
  process.exit(1);
}

function readManifest() {
  return JSON.parse(readFileSync(join(here, 'package.json'), 'utf8'));
}

/** Empties dist/, so a file that is no longer built is never packed. */
function cleanDist() {
  rmSync(join(here, 'dist'), { recursive: true, force: true });
}

/** dist/types/*.d.ts by the package's tsconfig.types.json; any type error fails the build. */
function emitDeclarations() {
  const configPath = join(here, 'tsconfig.types.json');
  const { config, error } = ts.readConfigFile(configPath, ts.sys.readFile);
  if (error) fail(ts.flattenDiagnosticMessageText(error.messageText, '\n'));
  const parsed = ts.parseJsonConfigFileContent(config, ts.sys, here, undefined, configPath);
  const program = ts.createProgram(parsed.fileNames, parsed.options);
  const emitted = program.emit();
  const diagnostics = ts.getPreEmitDiagnostics(program).concat(emitted.diagnostics);
  if (diagnostics.length > 0) {
    fail(ts.formatDiagnosticsWithColorAndContext(diagnostics, { getCanonicalFileName: (f) => f, getCurrentDirectory: () => here, getNewLine: () => '\n' }));
  }
}

/** Subresource Integrity value of a file's bytes (https://www.w3.org/TR/SRI/). */
const integrityOf = (bytes) => `sha384-${createHash('sha384').update(bytes).digest('base64')}`;

/** Bytes as sent: plain and gzipped at level 9, as the gateway compresses it. */
function sizes(bytes) {
  return { bytes: bytes.length, gzipBytes: gzipSync(bytes, { level: 9 }).length };
}

const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;

const manifest = readManifest();
/** The issue's budget for what every page of every customer downloads. */
const GZIP_BUDGET_BYTES = 8 * 1024;

/**
 * Members the SDK's classes keep private, renamed like local variables (about 400 bytes gzipped).
 * Safe only for names that nothing outside this bundle reads or writes: never a DOM, JSON, option
 * or public API name (`storage`, `options`, `log`, `now` stay as they are).
 */
const PRIVATE_MEMBERS = [
  'admitted', 'applyConsent', 'attempt', 'backingOff', 'batchLength', 'clearTimer', 'continueLinkedVisit', 'decorateLink',
  'dependencies', 'disabled', 'dropUnadmitted', 'gateOpen', 'identity', 'inFlight', 'lastPageKey', 'lastPageUrl', 'mayStillSend',
  'memoryUtm', 'modes', 'newId', 'pageHidden', 'paused', 'persisting', 'redactNames', 'retrying', 'schedule', 'settle', 'stamp',
  'stopBackoff', 'stops', 'syncConsent', 'waiting',
  // Keys of the SDK's internal settings and collaborators (the queue's, the identity store's, the behaviour hooks').
  'settings', 'timer', 'sendNext', 'onDrop', 'store', 'transport', 'queue', 'visitor', 'session', 'user', 'lastActivity',
  'newSession', 'sizeOf', 'admit', 'maxSize', 'maxBatchBytes', 'baseDelayMs', 'maxDelayMs', 'emit', 'redact', 'options',
  'enablePersistence', 'disablePersistence', 'attribution', 'pageChanged', 'pageVisible', 'enqueue', 'drain', 'restore',
  'setUserId', 'userId', 'persistent', 'adopt', 'touch', 'visitorId',
];

const common = {
  absWorkingDir: here,
  bundle: true,
  minify: true,
  sourcemap: true,
  // Safari 14, Chrome 80, Firefox 80: optional chaining and ?? stay as written.
  target: 'es2020',
  platform: 'browser',
  // Assignments instead of Object.defineProperty for class fields, as tsc does for ES2020 (about 200 bytes gzipped).
  tsconfigRaw: { compilerOptions: { useDefineForClassFields: false } },
  mangleProps: new RegExp(`^(${PRIVATE_MEMBERS.join('|')})$`),
  banner: { js: `/*! ${manifest.name} ${manifest.version} | ${manifest.license} */` },
  legalComments: 'none',
  logLevel: 'warning',
};

/** The classic script; `write: false` keeps it in memory (for --integrity). */
const buildScript = (write) =>
  build({ ...common, entryPoints: ['src/browser-entry.ts'], format: 'iife', outfile: 'dist/tracking.min.js', write });

if (process.argv.includes('--integrity')) {
  const { outputFiles } = await buildScript(false);
  const script = outputFiles.find((file) => file.path.endsWith('.js'));
  print(JSON.stringify({ version: manifest.version, integrity: integrityOf(script.contents), ...sizes(script.contents) }));
  process.exit(0);
}

cleanDist();
const [{ outputFiles }] = await Promise.all([
  buildScript(false),
  build({ ...common, entryPoints: ['src/index.ts'], format: 'esm', outfile: 'dist/index.mjs' }),
  build({ ...common, entryPoints: ['src/index.ts'], format: 'cjs', outfile: 'dist/index.cjs' }),
]);
for (const file of outputFiles) writeFileSync(file.path, file.contents);
emitDeclarations();

const script = outputFiles.find((file) => file.path.endsWith('.js')).contents;
const { bytes, gzipBytes } = sizes(script);
print(`${manifest.name} ${manifest.version}: dist/tracking.min.js ${kb(bytes)}, ${kb(gzipBytes)} gzipped (${gzipBytes} bytes), integrity ${integrityOf(script)}`);
if (gzipBytes > GZIP_BUDGET_BYTES) fail(`dist/tracking.min.js is ${gzipBytes} bytes gzipped, over the budget of ${GZIP_BUDGET_BYTES}`);
