// ESLint (flat config): typescript-eslint's recommended rules, plus the layering of the project
// (see README.md "Layout") checked as import rules, so a wrong import fails `npm test`:
//   shared/         imports nothing of the project, no Node builtins, no `electron`
//   electron/core/  never imports api/, main/, app.ts, headless.ts, renderer/ or `electron`;
//                   its wings (config → interpreters → executor → provisioning) import only earlier
//                   ones, never create-core.ts, activation.ts or operations.ts
//   electron/api/   never imports main/, renderer/ or `electron`
//   renderer/       imports only renderer/ and shared/ (no electron/, no Node builtins)
//   only electron/main imports `electron` (tests and scripts may, to fake or launch it)
// test/unit/lint-boundaries.test.ts proves each rule reports a forbidden import.
import js from '@eslint/js';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import { builtinModules } from 'node:module';
import tseslint from 'typescript-eslint';

const noElectron = { name: 'electron', message: 'Only electron/main may import the `electron` package.' };
/** Node builtins by exact name (a pattern like `events` would also catch `./events`), and any `node:` specifier. */
const noNode = (where) => {
  const message = `${where} must not import Node builtins.`;
  return {
    paths: builtinModules.filter((m) => !m.startsWith('_')).map((name) => ({ name, message })),
    patterns: [{ regex: '^node:', message }],
  };
};

/** `import-x/no-restricted-paths` zones; paths are relative to this file. */
const zones = [
  { target: 'shared', from: ['electron', 'renderer', 'test', 'scripts', 'resources', 'proto'], message: 'shared/ imports nothing of the project.' },
  {
    target: 'electron/core',
    from: ['electron/api', 'electron/main', 'electron/app.ts', 'electron/headless.ts', 'renderer'],
    message: 'electron/core is the plain domain: it never imports the API, the shell, the entry points or the renderer.',
  },
  // inside the core: wings are built in order (config → interpreters → executor → provisioning) by
  // create-core.ts; a wing never imports a later wing, the use-cases above them, or that file
  {
    target: ['electron/core/config', 'electron/core/logging', 'electron/core/interpreters', 'electron/core/executor', 'electron/core/provisioning', 'electron/core/metrics'],
    from: ['electron/core/create-core.ts', 'electron/core/activation.ts', 'electron/core/operations.ts'],
    message: 'A wing of the core never imports the file that builds the core, nor the use-cases above the wings.',
  },
  { target: 'electron/core/config', from: ['electron/core/interpreters', 'electron/core/executor', 'electron/core/provisioning'], message: 'config/ comes first: it imports no other wing.' },
  { target: 'electron/core/interpreters', from: ['electron/core/executor', 'electron/core/provisioning'], message: 'interpreters/ is built before the executor and provisioning: it never imports them.' },
  { target: 'electron/core/executor', from: ['electron/core/provisioning'], message: 'executor/ is built before provisioning: it never imports it.' },
  { target: ['electron/core/config', 'electron/core/interpreters', 'electron/core/executor', 'electron/core/provisioning'], from: ['electron/core/metrics'], message: 'metrics/ observes the other wings (through CallSignals and the status): none of them imports it.' },
  { target: 'electron/api', from: ['electron/main', 'electron/app.ts', 'electron/headless.ts', 'renderer'], message: 'electron/api never imports the shell, the entry points or the renderer.' },
  { target: 'renderer', from: ['electron', 'test', 'scripts', 'resources'], message: 'renderer/ imports only renderer/ and shared/.' },
];

export default tseslint.config(
  { ignores: ['dist/**', 'dist-*/**', 'node_modules/**', 'release/**', 'resources/python/**', 'bench/results/**', '**/*.js', '**/*.cjs'] },
  {
    files: ['**/*.{ts,tsx,mts,mjs}'],
    extends: [js.configs.recommended, ...tseslint.configs.recommended],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [
        createNodeResolver({
          extensions: ['.ts', '.tsx', '.mts', '.js', '.mjs', '.json', '.node'],
          // NodeNext sources import `./x.js` for `./x.ts`.
          extensionAlias: { '.js': ['.ts', '.tsx', '.js'], '.mjs': ['.mts', '.mjs'] },
        }),
      ],
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      // The sanitizers (log lines, progress output, URLs, paths) match control characters on purpose.
      'no-control-regex': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],
      'import-x/no-restricted-paths': ['error', { zones }],
    },
  },
  {
    // Plain-JS build scripts run under Node: TypeScript does not check their globals, so name them.
    files: ['scripts/**/*.mjs'],
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly' },
    },
  },
  {
    files: ['shared/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [noElectron, ...noNode('shared/').paths], patterns: noNode('shared/').patterns }] },
  },
  {
    files: ['electron/core/**/*.ts', 'electron/api/**/*.ts', 'electron/app.ts', 'electron/headless.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [noElectron] }] },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    ignores: ['renderer/vite.config.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [noElectron, ...noNode('renderer/').paths], patterns: noNode('renderer/').patterns }] },
  },
);
