import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import prettier from 'eslint-config-prettier'
import reactHooks from 'eslint-plugin-react-hooks'
import globals from 'globals'

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    // The engine runs under plain Node (CLI, tests, benchmarks): it must never need Electron.
    files: ['src/engine/**/*.ts', 'src/cli/**/*.ts', 'src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'electron',
              message:
                'The engine, the core and the CLI run under plain Node; Electron stays in src/main.',
            },
          ],
          patterns: [
            {
              group: ['**/main/*', '**/main'],
              message: 'Only Electron code lives in src/main; plain Node code may not import it.',
            },
          ],
        },
      ],
    },
  },
  {
    // Importing the AWS SDK costs ~0.2 s per process, more than a batch of small uploads takes on
    // the lean path: it is loaded on first need through storage/sdk.ts, and imported as types only.
    files: ['src/engine/**/*.ts', 'src/cli/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@aws-sdk/*', '@smithy/*'],
              allowTypeImports: true,
              message: 'Load the AWS SDK lazily through storage/sdk.ts; import its types only.',
            },
          ],
        },
      ],
    },
  },
  {
    // Electron's main process is the window only. The app's core runs in its own Node process:
    // sharp's libvips and Electron's GLib crash together in one process on Linux, and
    // better-sqlite3 would need a build for Electron's ABI. Types may be imported; code may not.
    files: ['src/main/**/*.ts', 'src/preload/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'sharp', message: 'sharp runs in the core process, never in Electron.' },
            {
              name: 'better-sqlite3',
              message: 'The ledger is opened by the core process, never by Electron.',
            },
          ],
          patterns: [
            {
              // Plain Node logic both sides need is the only runtime import allowed: engine/paths
              // (the data dir) and core/http/page-file (which built page file a request names).
              regex: '(^|/)core(/(?!http/page-file$)|$)|(^|/)engine(/(?!paths$)|$)',
              allowTypeImports: true,
              message:
                'src/main talks to the core over its channel (core-supervisor.ts); import its types only.',
            },
          ],
        },
      ],
    },
  },
  {
    // Shared code is loaded by every process, the sandboxed renderer included.
    files: ['src/shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*', 'electron', 'fs', 'path', 'os'],
              message: 'src/shared is pure: no Node or Electron.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*', 'electron'],
              message: 'The renderer is sandboxed: use window.upshot.',
            },
          ],
        },
      ],
    },
  },
  prettier,
)
