// ESLint (flat config): typescript-eslint's recommended rules with type information off (fast, no project
// service), import ordering, no unused code. Formatting is Prettier's (eslint-config-prettier turns off
// the rules that would fight it); `npm run lint` runs both.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import importX from 'eslint-plugin-import-x';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.data/**', 'test/generated/**', 'artifacts/**', 'examples/*/{node_modules,dist,.data,src/gql}/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.mjs', '**/*.cjs', '**/*.js'],
    plugins: { 'import-x': importX },
    languageOptions: { globals: { ...globals.node } },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      'import-x/order': [
        'error',
        {
          groups: ['builtin', 'external', 'internal', ['parent', 'sibling', 'index'], 'type'],
          'newlines-between': 'never',
          alphabetize: { order: 'asc', caseInsensitive: true },
        },
      ],
      'import-x/no-duplicates': 'error',
      // A callback created before the assignment reads the variable (e.g. a logger hook that needs the object it logs for).
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      // Not consistent-type-imports: with emitDecoratorMetadata, a class named only in a decorated parameter's type
      // (`@Args() args: SomeArgs`) must stay a value import, or type-graphql sees `Object`.
      // GraphQL results and raw rows are `any` at the edges (test helpers, JSON bodies); typed helpers narrow them.
      '@typescript-eslint/no-explicit-any': 'off',
      // Decorated classes and TypeORM need namespaces of declarations merged with classes at times.
      '@typescript-eslint/no-unsafe-declaration-merging': 'off',
    },
  },
  {
    // The explorer's browser code (bundled by scripts/build-explorer.mjs).
    files: ['web/**/*.js'],
    languageOptions: { globals: { ...globals.browser }, sourceType: 'module' },
  },
  {
    files: ['jest.config.js'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  prettier,
);
