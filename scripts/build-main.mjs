// Builds the Electron shell into dist/electron/main/ with esbuild (typechecking is separate:
// `tsc -p electron/main/tsconfig.json --noEmit`).
//   parse-worker.js  the config parser's worker thread (see electron/core/config/checker.ts)
//   index.js     the main process: ESM, the core/api/shared code bundled in, npm packages left
//                external (they ship in node_modules inside the asar)
//   preload.cjs  the preload: a sandboxed preload cannot be an ES module or require files, so it
//                is one CommonJS file with only `electron` left external. Its source walks
//                shared/contract.ts; here that import is swapped for the contract's channel tables,
//                computed from the real contract at build time, so the schemas (and typebox) stay out.
// Usage: node scripts/build-main.mjs [--watch] [--outdir DIR]
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const outdirArg = argv.indexOf('--outdir');
const outdir = outdirArg >= 0 && argv[outdirArg + 1] ? path.resolve(argv[outdirArg + 1]) : path.join(root, 'dist', 'electron', 'main');
const watch = argv.includes('--watch');

/** `{ operations: { name: { channel } }, events: { name: { channel } } }` read from the real contract. */
async function contractChannels() {
  const built = await esbuild.build({
    absWorkingDir: root,
    entryPoints: ['shared/contract.ts'],
    bundle: true,
    format: 'esm',
    platform: 'node',
    write: false,
    logLevel: 'warning',
  });
  const code = built.outputFiles[0].text;
  const contract = await import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`);
  const channels = (table) => Object.fromEntries(Object.entries(table).map(([name, def]) => [name, { channel: def.channel }]));
  return { operations: channels(contract.operations), events: channels(contract.events) };
}

/** esbuild plugin: `…/shared/contract.js` becomes a module exporting only the channel tables. */
function channelsOnly(tables) {
  return {
    name: 'contract-channels-only',
    setup(build) {
      build.onResolve({ filter: /(^|\/)shared\/contract(\.js)?$/ }, () => ({ path: 'contract-channels', namespace: 'contract-channels' }));
      build.onLoad({ filter: /.*/, namespace: 'contract-channels' }, () => ({
        loader: 'js',
        contents: `export const operations = ${JSON.stringify(tables.operations)};\nexport const events = ${JSON.stringify(tables.events)};\n`,
      }));
    },
  };
}

/** @type {import('esbuild').BuildOptions} */
const common = {
  absWorkingDir: root,
  bundle: true,
  sourcemap: 'linked',
  logLevel: 'warning',
  legalComments: 'none',
};

/** @type {import('esbuild').BuildOptions[]} */
const builds = [
  {
    ...common,
    entryPoints: ['electron/main/index.ts'],
    outfile: path.join(outdir, 'index.js'),
    platform: 'node',
    format: 'esm',
    target: 'node22',
    packages: 'external',
  },
  {
    // the config parser's worker thread (electron/core/config/checker.ts finds it beside index.js)
    ...common,
    entryPoints: ['electron/core/config/parse-worker.ts'],
    outfile: path.join(outdir, 'parse-worker.js'),
    platform: 'node',
    format: 'esm',
    target: 'node22',
    packages: 'external',
  },
  {
    ...common,
    entryPoints: ['electron/main/preload.ts'],
    outfile: path.join(outdir, 'preload.cjs'),
    platform: 'node',
    format: 'cjs',
    target: 'chrome130',
    external: ['electron'],
    plugins: [channelsOnly(await contractChannels())],
  },
];

const started = Date.now();
await rm(outdir, { recursive: true, force: true });
if (watch) {
  for (const options of builds) await (await esbuild.context(options)).watch();
  process.stdout.write(`build-main: watching (output in ${path.relative(root, outdir)})\n`);
} else {
  const results = await Promise.all(builds.map((options) => esbuild.build({ ...options, metafile: true })));
  const sizes = results.flatMap((r) =>
    Object.entries(r.metafile?.outputs ?? {})
      .filter(([file]) => !file.endsWith('.map'))
      .map(([file, out]) => `${path.basename(file)} ${(out.bytes / 1024).toFixed(0)} KiB`),
  );
  process.stdout.write(`build-main: ${sizes.join(', ')} in ${Date.now() - started} ms\n`);
}
