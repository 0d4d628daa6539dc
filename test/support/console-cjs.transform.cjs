/**
 * Jest transform for the console's sources (apps/console is "type": "module"): TypeScript's own
 * transpileModule to CommonJS, like the rest of the unit project. Not a second ts-jest entry: ts-jest
 * keeps one configuration per Jest project and worker, so two entries with different compiler
 * options would each get whichever the worker built first.
 */
const { createHash } = require('node:crypto');
const ts = require('typescript');

const compilerOptions = { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true, jsx: ts.JsxEmit.ReactJSX, jsxImportSource: 'preact', inlineSourceMap: true };

module.exports = {
  process(source, path) {
    return { code: ts.transpileModule(source, { compilerOptions, fileName: path }).outputText };
  },
  getCacheKey(source, path) {
    return createHash('sha256').update(`console-cjs-1\0${ts.version}\0${path}\0${source}`).digest('hex');
  },
};
