import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'data/**', 'jest.config.js', 'jest.faults.config.js', 'public/**', 'test/artifacts/**', 'packages/*/dist/**', 'openapi/**'] },
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
  // Its core (src/index.ts, src/core/) knows no framework: adapters sit on it, not in it.
  ...[1, 2, 3, 4].flatMap((depth) => {
    const files = `packages/widget-guard/src/${'*/'.repeat(depth - 1)}*.ts`;
    const outOfPackage = {
      group: [`${'../'.repeat(depth)}*`, 'hissuno-settings-api', 'hissuno-settings-api/**'],
      message: '@hissuno/widget-guard is a package of its own: it must not import the app.',
    };
    const framework = {
      group: ['@nestjs/*', 'fastify', 'express', '**/nest', '**/nest/**', '**/fastify', '**/fastify/**', '**/express', '**/express/**'],
      message: 'the core of @hissuno/widget-guard is framework-free: put framework code in an adapter.',
    };
    const rule = (...patterns) => ({ 'no-restricted-imports': ['error', { patterns }] });
    const core = depth === 1 ? [files] : [`packages/widget-guard/src/core/${'*/'.repeat(depth - 2)}*.ts`];
    return [
      { files: [files], rules: rule(outOfPackage) },
      { files: core, ignores: ['**/*.spec.ts'], rules: rule(outOfPackage, framework) },
    ];
  }),
  {
    // Plain-Node consumers of the packed guard package (run outside the repository).
    files: ['test/fixtures/**/*.js'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { require: 'readonly', process: 'readonly', console: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off', 'no-console': 'off' },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts', '**/*.spec.ts'],
    rules: { 'no-console': 'off' },
  },
);
