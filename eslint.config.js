import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// ---- Layer boundaries (see ARCHITECTURE.md). Core rules only, so they run without type information. ----
// Tests (colocated *.test.ts and test/**) are outside the boundaries: they seed and inspect rows directly and
// unit-test the local engine's insides.
const TEST_FILES = ['**/*.test.{ts,tsx}', 'test/**'];

// Layers that must not build SQL: everything that reaches the database goes through server/repositories.
const SQL_FREE_LAYERS = [
  'server/services/**',
  'server/providers/**',
  'server/routers/**',
  'server/hosted-flow/**',
  'server/partner-api/**',
  'server/auth/**',
  'server/webhooks/**',
  'client/**',
];
const SQL_HOME =
  'SQL belongs in server/repositories (the inquiry store owns writes to inquiries, sessions, links and events).';
const QUERY_BUILDERS = ['selectFrom', 'selectNoFrom', 'insertInto', 'replaceInto', 'updateTable', 'deleteFrom', 'mergeInto'];
const NO_SQL_SYNTAX = [
  {
    selector: `CallExpression[callee.type='MemberExpression'][callee.property.name=/^(${QUERY_BUILDERS.join('|')})$/]`,
    message: `Kysely query builder call outside a repository. ${SQL_HOME}`,
  },
  { selector: "TaggedTemplateExpression[tag.name='sql']", message: `sql\`…\` outside a repository. ${SQL_HOME}` },
  // sql.raw / sql.ref / sql.id / sql.join / sql.lit / sql.table / sql.val … all build SQL text.
  { selector: "MemberExpression[object.name='sql']", message: `sql.* helper outside a repository. ${SQL_HOME}` },
];
const KYSELY_SQL_IMPORT = {
  name: 'kysely',
  importNames: ['sql'],
  allowTypeImports: true,
  message: `Kysely's sql tag outside a repository. ${SQL_HOME}`,
};

// The local engine (server/providers/local/**) is reached through the provider interface, not imported.
const LOCAL_ENGINE = 'server/providers/local/**';
// The only modules allowed to import the local engine from outside it: the factory that builds the configured
// provider, and the process entry point that starts the local sweeper. Keep this list short.
const LOCAL_ENGINE_WIRING = ['server/providers/index.ts', 'server/index.ts'];
const LOCAL_ENGINE_MESSAGE =
  "Use the provider from the app's dependencies (ctx.provider); providers/local is the local engine's inside.";
const LOCAL_ENGINE_IMPORT = { regex: '(^|/)providers/local(/|$)', message: LOCAL_ENGINE_MESSAGE };
// From server/providers/*.ts the local engine is a sibling folder: './local/…'.
const LOCAL_ENGINE_SIBLING_IMPORT = { regex: '^\\./local(/|$)', message: LOCAL_ENGINE_MESSAGE };

/** no-restricted-imports options; flat config replaces (never merges) a rule's options, so each block states all. */
function restrictedImports({ sql = false, localEngine = [] }) {
  return ['error', { paths: sql ? [KYSELY_SQL_IMPORT] : [], patterns: localEngine }];
}

export const boundaries = [
  {
    name: 'boundaries/local-engine',
    files: ['server/**', 'client/**', 'shared/**'],
    ignores: [LOCAL_ENGINE, ...LOCAL_ENGINE_WIRING, ...TEST_FILES],
    rules: { 'no-restricted-imports': restrictedImports({ localEngine: [LOCAL_ENGINE_IMPORT] }) },
  },
  {
    name: 'boundaries/no-sql-outside-repositories',
    files: SQL_FREE_LAYERS,
    ignores: ['**/repositories/**', ...TEST_FILES],
    rules: {
      'no-restricted-syntax': ['error', ...NO_SQL_SYNTAX],
      'no-restricted-imports': restrictedImports({ sql: true, localEngine: [LOCAL_ENGINE_IMPORT] }),
    },
  },
  {
    name: 'boundaries/no-sql-outside-repositories/providers-root',
    files: ['server/providers/*.{ts,tsx}'],
    ignores: [...LOCAL_ENGINE_WIRING, ...TEST_FILES],
    rules: {
      'no-restricted-imports': restrictedImports({ sql: true, localEngine: [LOCAL_ENGINE_IMPORT, LOCAL_ENGINE_SIBLING_IMPORT] }),
    },
  },
  {
    // The local engine itself and the provider factory may import the engine's modules; SQL stays forbidden there.
    // (server/index.ts is outside the SQL-free layers, so no block restricts its imports.)
    name: 'boundaries/no-sql-outside-repositories/local-engine-and-factory',
    files: [LOCAL_ENGINE, 'server/providers/index.ts'],
    ignores: ['**/repositories/**', ...TEST_FILES],
    rules: { 'no-restricted-imports': restrictedImports({ sql: true }) },
  },
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.data/**', 'coverage/**', '.bench/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: {
        projectService: {
          allowDefaultProject: ['eslint.config.js'],
        },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/only-throw-error': 'error',
    },
  },
  {
    files: ['client/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    // Plain JavaScript (the hosted flow's browser script, the start/dev launchers): lint without type information.
    files: ['**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ['server/hosted-flow/assets/**/*.mjs'],
    languageOptions: { globals: { ...globals.browser } },
  },
  ...boundaries,
);
