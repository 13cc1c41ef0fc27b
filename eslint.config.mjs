import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'data/**', 'jest.config.js', 'jest.faults.config.js', 'public/**', 'test/artifacts/**', 'packages/*/dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-console': ['error', { allow: ['error'] }],
    },
  },
  {
    // The app (and its tests and benchmarks) consume the guard by package name only, like any dependency.
    files: ['src/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/packages/**', '**/widget-guard/src/**', '**/widget-guard/dist/**', '@hissuno/widget-guard/*/**'],
              message: "import '@hissuno/widget-guard' (or its /nest, /fastify doors), never its files.",
            },
          ],
        },
      ],
    },
  },
  // The guard package imports nothing of the app: no relative import climbs out of its src/.
  ...[1, 2, 3, 4].map((depth) => ({
    files: [`packages/widget-guard/src/${'*/'.repeat(depth - 1)}*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [`${'../'.repeat(depth)}*`],
              message: '@hissuno/widget-guard is a package of its own: it must not import the app.',
            },
            { group: ['hissuno-settings-api', 'hissuno-settings-api/**'], message: 'the package must not import the app.' },
          ],
        },
      ],
    },
  })),
  {
    files: ['test/**/*.ts', 'bench/**/*.ts', '**/*.spec.ts'],
    rules: { 'no-console': 'off' },
  },
);
