// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const appNames = ['gateway', 'vault-loader', 'automation-trigger', 'exporter'];

/** Each app may import libs, never another app; libs never import apps. */
const boundaries = [
  ...appNames.map((app) => ({
    files: [`apps/${app}/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@apps/*', '@tools/*', '@test/*'], message: 'apps import libs only' },
            { group: appNames.filter((other) => other !== app).map((other) => `**/apps/${other}/**`), message: 'apps never import each other' },
          ],
        },
      ],
    },
  })),
  {
    files: ['libs/**/*.ts'],
    ignores: ['**/*.spec.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['@apps/*', '@tools/*', '**/apps/**'], message: 'libs never import apps' }] }],
    },
  },
  {
    files: ['tools/**/*.ts', 'test/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['@apps/vault-loader/vault/*', '**/apps/vault-loader/src/vault/**'], message: "the vault's tables and views are @tracking/vault-schema" }] },
      ],
    },
  },
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.local/**', 'coverage/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
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
    files: ['**/main.ts', '**/migrate.ts', '**/*.cli.ts', 'tools/local-stack/src/start-all.ts', 'test/**/*.ts', '**/*.spec.ts', 'tools/local-stack/src/*.ts'],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    files: ['**/*.spec.ts', 'test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off', '@typescript-eslint/no-non-null-assertion': 'off' },
  },
  { files: ['**/*.js', '**/*.mjs'], ...tseslint.configs.disableTypeChecked, languageOptions: { globals: { module: 'writable', require: 'readonly', process: 'readonly', __dirname: 'readonly' } } },
  ...boundaries,
);
