// Knip: unused files, exports and dependencies, run by `npm test` (`npm run knip`).
import type { KnipConfig } from 'knip';

const config: KnipConfig = {
  // Knip's plugins add what package.json and the configs name: electron/headless.ts (`serve`),
  // electron/main/index.ts (`main`), renderer/src/main.tsx (vite), test/bench/run.ts (`bench`), the
  // vite/vitest configs and the test files. Listed here: what only a build script or a runner knows.
  entry: [
    'electron/main/preload.ts', // bundled on its own by scripts/build-main.mjs
    'electron/headless.ts', // run through tsx by scripts/start.mjs (`npm run serve`, `npm start` without Electron)
    'scripts/*.mjs',
    'test/**/*.test.{ts,tsx}',
    'test/bench/*.bench.ts', // loaded by test/bench/run.ts by name
  ],
  project: ['electron/**/*.ts', 'shared/**/*.ts', 'renderer/src/**/*.{ts,tsx}', 'test/**/*.{ts,tsx}', 'scripts/**/*.{mjs,mts}', '*.config.{ts,js}', 'renderer/*.config.ts'],
  // An export a file uses itself is part of its shape, not dead code.
  ignoreExportsUsedInFile: true,
  ignoreIssues: {
    // The contract pairs every schema with its static type (`type X = Static<typeof XSchema>`); consumers
    // mostly reach them through OperationInput/OperationOutput, so some named types go unreferenced.
    'shared/**': ['types'],
  },
  // test/unit/desktop-packaging.test.ts reads electron-builder's own config loader, which comes with
  // the electron-builder devDependency (pinned there, so not listed twice).
  ignoreDependencies: [
    'app-builder-lib',
    'builder-util',
  ],
};

export default config;
