// @ts-check
import { dirname, relative, resolve, sep } from 'node:path';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const appNames = ['gateway', 'vault-loader', 'automation-trigger', 'exporter'];

/**
 * The app modules tests may import. Tests start apps (their compiled entries, or in-process through
 * these factories and config loaders) and otherwise use only what the apps share through libs.
 */
const APP_MODULES_TESTS_USE = [
  'gateway/gateway.factory',
  'gateway/config/gateway.config',
  'vault-loader/vault-loader.factory',
  'vault-loader/config/vault-loader.config',
  // The vault's migrations in order: vault-partitions migrates a vault of the previous version, then this one.
  'vault-loader/database/migrations',
  'automation-trigger/automation-trigger.factory',
  'automation-trigger/config/automation-trigger.config',
  'exporter/config/exporter.config',
  // Seed 000's request examples: the gateway's OpenAPI examples, which the tests send (and the
  // ingestion lib's specs validate, through test/fixtures).
  'gateway/openapi/seed-examples',
  // The answers the Node SDK is held to (test/unit/sdk-node-contract.spec.ts).
  'gateway/track/track.responses',
  // The controllers with request bodies and their checks: the OpenAPI drift test (test/unit/openapi-drift.spec.ts).
  'gateway/track/track.controller',
  'gateway/track/bulk-envelope',
  'gateway/collect/collect.controller',
  'gateway/collect/browser-batch',
  'gateway/keys/tracking-keys.controller',
  'gateway/console/keys/console-keys.controller',
  'gateway/console/rejected/rejected.controller',
  'gateway/console/privacy/console-privacy.controller',
  'vault-loader/privacy/privacy.controller',
  'vault-loader/privacy/subject-access.controller',
  'automation-trigger/admin/automations.controller',
  'exporter/export/export.controller',
  // The trigger insert, called as an instance whose erasure list lags behind would call it: the
  // database-side guard of an erasure (test/integration/automation-erasure.integration.spec.ts).
  'automation-trigger/triggers/trigger.repository',
  // A batch mapped before an erasure committed and loaded after it: the load's own look at the
  // erasures, under the tenant's erasure lock (test/integration/vault-erasure-race.integration.spec.ts).
  'vault-loader/vault/vault.repository',
  'vault-loader/vault/vault-partitions',
  'vault-loader/vault/vault-model',
  'vault-loader/privacy/erasure-lock',
];

/**
 * Any `@apps/...` import but the listed modules (module paths hold no regex syntax but dots).
 * @param {string[]} modules
 * @param {string} message
 */
const appImportsExcept = (modules, message) => ({ regex: `^@apps/(?!(${modules.map((module) => module.replaceAll('.', '\\.')).join('|')})$)`, message });

/**
 * apps/<name>, libs/<name>, tools/<name>, sdks/<name>, or test: the project a file belongs to.
 * @param {string} file
 */
function projectOf(file) {
  const [kind, name] = relative(import.meta.dirname, file).split(sep);
  return kind === 'test' ? kind : `${kind}/${name}`;
}

/**
 * A relative import stays inside its project; another project is reached through its path alias
 * (`@tracking/*`, ...), where the rules below can see it. `../../../local-stack/src/...` from the CLI
 * is what this catches.
 */
const relativeImportsStayInProject = {
  meta: { type: 'problem', schema: [], messages: { leaves: "'{{source}}' leaves {{project}}: import another project through its path alias" } },
  create(context) {
    const project = projectOf(context.filename);
    const check = (node) => {
      const source = node.source?.value;
      if (typeof source !== 'string' || !source.startsWith('.')) return;
      const target = relative(import.meta.dirname, resolve(dirname(context.filename), source)).split(sep).join('/');
      if (target !== project && !target.startsWith(`${project}/`)) context.report({ node: node.source, messageId: 'leaves', data: { source, project } });
    };
    return { ImportDeclaration: check, ImportExpression: check, ExportAllDeclaration: check, ExportNamedDeclaration: check };
  },
};

/**
 * Apps import libs, never another app; libs never import apps or tools; tools reach apps only through
 * libs (and start them as processes); the SDKs import nothing from this repository, since each is
 * published on its own; tests import app modules only from the list above.
 */
const boundaries = [
  {
    files: ['{apps,libs,tools,sdks,test}/**/*.{ts,mjs}'],
    plugins: { boundaries: { rules: { 'relative-imports-stay-in-project': relativeImportsStayInProject } } },
    rules: { 'boundaries/relative-imports-stay-in-project': 'error' },
  },
  ...appNames.map((app) => ({
    files: [`apps/${app}/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@apps/*', '@tools/*', '@sdks/*', '@test/*'], message: 'apps import libs only' },
            { group: appNames.filter((other) => other !== app).map((other) => `**/apps/${other}/**`), message: 'apps never import each other' },
          ],
        },
      ],
    },
  })),
  {
    files: ['libs/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['@apps/*', '@tools/*', '@sdks/*', '@test/*', '**/apps/**'], message: 'libs never import apps, tools or tests' }] }],
    },
  },
  {
    // A lib's spec may use the shared test fixtures.
    files: ['libs/**/*.spec.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['@apps/*', '@tools/*', '@sdks/*', '**/apps/**'], message: 'libs never import apps or tools' }] }],
    },
  },
  {
    files: ['tools/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@apps/*', '**/apps/**'], message: 'tools reach apps only through libs (and start them as processes)' },
            { group: ['@test/*'], message: 'tools never import tests' },
          ],
        },
      ],
    },
  },
  {
    files: ['sdks/**/*.{ts,mjs}'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['@tracking/*', '@apps/*', '@tools/*', '@sdks/*', '@test/*'], message: 'an SDK imports nothing from this repository: it is published on its own' }] }],
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [appImportsExcept(APP_MODULES_TESTS_USE, 'tests start apps and use libs; an app module a test needs goes on the list in eslint.config.mjs')] }],
    },
  },
];

export default tseslint.config(
  { ignores: ['dist/**', 'sdks/*/dist/**', 'apps/console/dist/**', 'node_modules/**', '.local/**', 'coverage/**', 'tools/bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', 'apps/console/src/**/*.tsx'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      // Configuration is read once per app, in its config module.
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'read settings through the app config' }],
    },
  },
  {
    files: ['**/main.ts', '**/migrate.ts', '**/*.cli.ts', 'tools/local-stack/src/start-all.ts', 'tools/bench/src/bench-connection.ts', 'tools/bench/src/child-node.ts', 'test/**/*.ts', '**/*.spec.ts', 'tools/local-stack/src/*.ts'],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    files: ['**/*.spec.ts', 'test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off', '@typescript-eslint/no-non-null-assertion': 'off' },
  },
  { files: ['**/*.js', '**/*.mjs'], ...tseslint.configs.disableTypeChecked, languageOptions: { globals: { module: 'writable', require: 'readonly', process: 'readonly', __dirname: 'readonly' } } },
  // CommonJS by its extension (a Jest transform): require() is how it imports.
  { files: ['**/*.cjs'], ...tseslint.configs.disableTypeChecked, languageOptions: { globals: { module: 'writable', require: 'readonly' } }, rules: { '@typescript-eslint/no-require-imports': 'off' } },
  ...boundaries,
);
