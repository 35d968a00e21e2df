// Lint through ESLint's API with the repository root as base path (a config file under
// .ci/ could not reach src/, and the design card keeps the top level free of it).
import { ESLint } from 'eslint';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const config = [
  { ignores: ['dist/**', 'node_modules/**', 'out/**'] },
  ...tseslint.config({
    files: ['src/**/*.ts', 'test/**/*.ts'],
    extends: [js.configs.recommended, ...tseslint.configs.recommended],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  }),
  {
    // src/core is pure: no clock, randomness, fs, net or process (architecture.md).
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-globals': ['error', 'process', 'setTimeout', 'setInterval', 'fetch'],
      'no-restricted-properties': ['error',
        { object: 'Date', property: 'now', message: 'time comes through the injected Clock' },
        { object: 'Math', property: 'random', message: 'randomness is injected (seeded) where needed' }],
      'no-restricted-imports': ['error', { patterns: ['node:*', 'fs', 'net', 'http', 'https', 'ws', '**/cli/**', '**/feeds/**', '**/sim/**', '**/stream/**', '**/ledger/**', '**/config/**'] }],
    },
  },
  {
    // Configuration must not depend on the network edge or the commands.
    files: ['src/config/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['**/cli/**', '**/feeds/**', '**/sim/**', '**/stream/**', '**/ledger/**'] }],
    },
  },
];

const eslint = new ESLint({ cwd: root, overrideConfigFile: true, overrideConfig: config });
const results = await eslint.lintFiles(['src', 'test']);
const formatter = await eslint.loadFormatter('stylish');
const text = await formatter.format(results);
if (text) process.stdout.write(text);
let errors = results.reduce((n, r) => n + r.errorCount, 0);

// One formatting rule (prettier, its options in package.json), applied by `make format`.
const prettier = await import('prettier');
const { readFileSync } = await import('node:fs');
const unformatted = [];
for (const r of results) {
  const options = await prettier.resolveConfig(r.filePath);
  if (!(await prettier.check(readFileSync(r.filePath, 'utf8'), { ...options, filepath: r.filePath }))) unformatted.push(r.filePath.slice(root.length));
}
for (const f of unformatted) process.stdout.write(`${f}: not formatted (make format)\n`);
errors += unformatted.length;
process.stdout.write(`lint: ${results.length} files, ${errors} errors\n`);
process.exit(errors ? 1 : 0);
