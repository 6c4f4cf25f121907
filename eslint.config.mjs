import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'var/', 'coverage/', 'static/vendor/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Read configuration in src/config.ts only.' }],
    },
  },
  { files: ['src/config.ts', 'test/**', 'bench/**', 'knexfile.ts', '*.js'], rules: { 'no-restricted-properties': 'off' } },
  // Domain boundaries (README, "Architecture"): the web layer stays at the edge, and a domain
  // reaches another only through its service or a published read model.
  {
    files: ['src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['../*/*.handlers', '../*/*.queries', '../*/*.routes'], message: "Another domain's handlers, queries and routes are its own: use its service or a published read model." },
            { group: ['../http/*'], message: 'Only routes and handlers use the web layer (src/http); shared code lives in src/shared.' },
          ],
        },
      ],
    },
  },
  {
    // The web edge may use src/http, but still not another domain's handlers or queries.
    files: ['src/**/*.routes.ts', 'src/**/*.handlers.ts', 'src/http/**', 'src/app.ts', 'src/server.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['../*/*.handlers', '../*/*.queries'], message: "Another domain's handlers and queries are its own: use its service or a published read model." }] },
      ],
    },
  },
  {
    files: ['*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly', process: 'readonly', Buffer: 'readonly', __dirname: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
