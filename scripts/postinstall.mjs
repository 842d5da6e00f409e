// Tries electron's own binary download (npm is told not to run it, see "allowScripts").
// Where the download cannot happen (no network to the release host), it prints one warning and
// lets the install succeed: `npm start` then falls back to headless mode.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
let installScript;
try {
  installScript = require.resolve('electron/install.js');
} catch {
  process.exit(0); // production install without devDependencies: nothing to fetch
}
if (process.env.WEBHOOK_BRIDGE_SKIP_ELECTRON_DOWNLOAD === '1') process.exit(0);
try {
  const electronPath = require('electron');
  if (typeof electronPath === 'string' && existsSync(electronPath)) process.exit(0);
} catch {
  // path.txt missing: not downloaded yet
}
const r = spawnSync(process.execPath, [installScript], { stdio: 'pipe', timeout: 120_000 });
if (r.status !== 0) {
  console.warn('webhook-bridge: the Electron binary could not be downloaded; `npm start` will run headless mode (the browser dashboard) instead.');
}
