// Builds @tracking-platform/node with esbuild (JavaScript, minified, with source maps) and the
// TypeScript compiler (declarations only) into dist/:
//   index.mjs, index.cjs    the client as an ES module and as CommonJS, Node's own modules left external
//   types/*.d.ts            declarations
import { readFileSync, rmSync } from 'node:fs';
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

/** Bytes as sent: plain and gzipped at level 9, as the gateway compresses it. */
function sizes(bytes) {
  return { bytes: bytes.length, gzipBytes: gzipSync(bytes, { level: 9 }).length };
}

const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;

const manifest = readManifest();

const common = {
  absWorkingDir: here,
  entryPoints: ['src/index.ts'],
  bundle: true,
  minify: true,
  // Names stay: stack traces and error.name (TrackingError) read as in the source.
  keepNames: true,
  sourcemap: true,
  platform: 'node',
  target: 'node20',
  banner: { js: `/*! ${manifest.name} ${manifest.version} | ${manifest.license} */` },
  legalComments: 'none',
  logLevel: 'warning',
};

cleanDist();
await Promise.all([
  build({ ...common, format: 'esm', outfile: 'dist/index.mjs' }),
  build({ ...common, format: 'cjs', outfile: 'dist/index.cjs' }),
]);
emitDeclarations();
for (const file of ['index.mjs', 'index.cjs']) {
  const { bytes, gzipBytes } = sizes(readFileSync(join(here, 'dist', file)));
  print(`${manifest.name} ${manifest.version}: dist/${file} ${kb(bytes)}, ${kb(gzipBytes)} gzipped`);
}
