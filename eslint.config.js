import js from '@eslint/js'
import { defineConfig, globalIgnores } from 'eslint/config'
import svelte from 'eslint-plugin-svelte'
import globals from 'globals'
import tseslint from 'typescript-eslint'
import svelteConfig from './svelte.config.js'

export default defineConfig(
  globalIgnores([
    'dist/',
    'dist-server/',
    'dist-server.*/',
    'dist-lib/',
    'data/',
    'node_modules/',
    '.tmp/',
    'coverage/',
    'test-results/',
    'playwright-report/',
    'docs/bench/',
    'bench/results.json',
  ]),
  js.configs.recommended,
  tseslint.configs.strict,
  svelte.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-non-null-assertion': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: {
      parserOptions: {
        parser: tseslint.parser,
        extraFileExtensions: ['.svelte'],
        svelteConfig,
      },
    },
  },
  // Globals by where the code runs (see DESIGN.md); src/core gets none on purpose.
  {
    files: ['src/app/**', 'src/client/**'],
    // Build-time constants defined by vite.config.ts.
    languageOptions: {
      globals: { ...globals.browser, __LEEWAY_BUILD_ID__: 'readonly' },
    },
  },
  {
    files: ['sw/**'],
    languageOptions: { globals: globals.serviceworker },
  },
  {
    files: ['server/**', 'src/vite/**', 'bin/**', 'tests/**', '*.{js,ts}'],
    languageOptions: { globals: globals.node },
  },
  {
    // Page code under test runs in Chromium.
    files: ['tests/e2e/**'],
    languageOptions: { globals: globals.browser },
  },
)
