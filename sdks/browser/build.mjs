// Builds the browser SDK with the TypeScript compiler only (no bundler):
//   dist/sdks/browser/esm/*.js, *.d.ts  ES2020 modules (import { createTracker } from '.../index.js')
//   dist/sdks/browser/tracking.js       one classic script (an IIFE exposing window.Tracking), which
//                                       the gateway serves at GET /js/tracking.js
// The classic script is the ES modules turned into CommonJS by ts.transpileModule and wrapped with a
// dozen-line require(): the SDK's modules sit in one flat folder, so that is all a bundler would do.
// The only "minifying" is comments out and indentation off, which gzip mostly undoes anyway.
// Run with `node sdks/browser/build.mjs`; prints the sizes (gzip by zlib, as a server would send it).
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Buffer } from 'node:buffer';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import ts from 'typescript';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const outDir = join(root, 'dist', 'sdks', 'browser');
const esmDir = join(outDir, 'esm');
const bundlePath = join(outDir, 'tracking.js');
const ENTRY = 'browser-entry';

const print = (line) => process.stdout.write(`${line}\n`);
const fail = (message) => {
  process.stderr.write(`sdks/browser build: ${message}\n`);
  process.exit(1);
};

// Browsers load ES modules by exact URL, so relative specifiers get their '.js' (the sources omit it,
// as the rest of the repository does, so that Jest and the root tsconfig resolve them unchanged).
const withExtension = (code) =>
  code.replace(/(\bfrom\s*|\bimport\s*\(?\s*)(['"])(\.\.?\/[^'"]+?)(?<!\.js)\2/g, (_, head, quote, path) => `${head}${quote}${path}.js${quote}`);

function compileModules() {
  const configPath = join(here, 'tsconfig.esm.json');
  const { config, error } = ts.readConfigFile(configPath, ts.sys.readFile);
  if (error) fail(ts.flattenDiagnosticMessageText(error.messageText, '\n'));
  const parsed = ts.parseJsonConfigFileContent(config, ts.sys, here, undefined, configPath);
  rmSync(esmDir, { recursive: true, force: true });
  const program = ts.createProgram(parsed.fileNames, parsed.options);
  const emitted = program.emit(undefined, (fileName, text) => {
    mkdirSync(dirname(fileName), { recursive: true });
    writeFileSync(fileName, /\.(d\.ts|js)$/.test(fileName) ? withExtension(text) : text);
  });
  const diagnostics = ts.getPreEmitDiagnostics(program).concat(emitted.diagnostics);
  if (diagnostics.length > 0) {
    fail(ts.formatDiagnosticsWithColorAndContext(diagnostics, { getCanonicalFileName: (f) => f, getCurrentDirectory: () => root, getNewLine: () => '\n' }));
  }
}

/**
 * Leading whitespace of each line removed. That is safe unless a template literal spans lines (its
 * text would change), so the transpiled code is parsed and the build refuses such a literal.
 */
function unindent(name, code) {
  const source = ts.createSourceFile(`${name}.js`, code, ts.ScriptTarget.ES2020, true, ts.ScriptKind.JS);
  const check = (node) => {
    if (ts.isTemplateLiteral(node) && node.getText(source).includes('\n')) {
      fail(`${name}: a template literal spans lines; keep it on one line (the bundle strips indentation)`);
    }
    ts.forEachChild(node, check);
  };
  check(source);
  return code.replace(/^[ \t]+/gm, '');
}

function bundle() {
  const modules = new Map();
  const visit = (name) => {
    if (modules.has(name)) return;
    const file = join(esmDir, `${name}.js`);
    if (!existsSync(file)) fail(`module ${name} is imported but ${relative(root, file)} does not exist`);
    const { outputText } = ts.transpileModule(readFileSync(file, 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020, removeComments: true, esModuleInterop: false },
    });
    modules.set(name, unindent(name, outputText.replace(/^"use strict";\n/, '').trim()));
    for (const [, specifier] of outputText.matchAll(/require\("([^"]+)"\)/g)) {
      if (!specifier.startsWith('./') || specifier.slice(2).includes('/')) fail(`${name} requires "${specifier}": the bundle only links modules of sdks/browser/src itself`);
      visit(specifier.slice(2).replace(/\.js$/, ''));
    }
  };
  visit(ENTRY);
  const definitions = [...modules].map(([name, code]) => `${JSON.stringify(name)}: function (exports, require) {\n${code}\n}`).join(',\n');
  return `/*! tracking.js: the tracking platform's browser SDK (sdks/browser) */
(function () {
"use strict";
var definitions = {
${definitions}
};
var cache = {};
function load(name) {
  name = name.replace(/^\\.\\//, "").replace(/\\.js$/, "");
  if (!cache[name]) {
    cache[name] = {};
    definitions[name](cache[name], load);
  }
  return cache[name];
}
load(${JSON.stringify(ENTRY)});
})();
`;
}

compileModules();
const code = bundle();
writeFileSync(bundlePath, code);
const bytes = Buffer.byteLength(code);
const gzipped = gzipSync(code, { level: 9 }).length;
const esmFiles = readdirSync(esmDir).filter((name) => name.endsWith('.js')).length;
print(`sdks/browser: ${relative(root, esmDir)}/ (${esmFiles} ES modules with declarations)`);
print(`sdks/browser: ${relative(root, bundlePath)} ${(bytes / 1024).toFixed(1)} KB, ${(gzipped / 1024).toFixed(1)} KB gzipped (${gzipped} bytes)`);
