import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import prettier from 'eslint-config-prettier'
import reactHooks from 'eslint-plugin-react-hooks'
import globals from 'globals'

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', '.native/**', 'coverage/**'] },
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
