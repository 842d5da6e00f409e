// `npm start`: the desktop app when the Electron binary is installed (and there is a display),
// otherwise headless mode with a one-line explanation. `npm run serve` runs this with `--headless`
// first: headless mode, no explanation. Either way the dashboard is built first when it is missing
// or older than its sources (a fresh clone has none).
// Arguments pass through (`npm start -- --config my.yaml --port 8080`); SIGINT/SIGTERM/SIGHUP go
// to the child, and this process exits with the child's status.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const serve = process.argv[2] === '--headless';
const args = process.argv.slice(serve ? 3 : 2);

/** `{ path }` of a usable Electron binary, or `{ reason }` why the desktop app cannot start here. */
function electronBinary() {
  if (process.env.WEBHOOK_BRIDGE_HEADLESS === '1') return { reason: 'WEBHOOK_BRIDGE_HEADLESS=1 is set' };
  let binary;
  try {
    binary = require('electron'); // the binary's path; throws when the download never happened
  } catch {
    return { reason: 'Electron binary not installed here' };
  }
  if (typeof binary !== 'string' || !existsSync(binary)) return { reason: 'Electron binary not installed here' };
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    return { reason: 'no display here (DISPLAY/WAYLAND_DISPLAY unset)' };
  }
  return { path: binary };
}

/** Runs `command` with inherited stdio, forwarding signals; exits with its status. */
function run(command, argv, env = process.env) {
  const child = spawn(command, argv, { cwd: root, env, stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    });
  }
  child.on('error', (err) => {
    process.stderr.write(`webhook-bridge: cannot start ${path.basename(command)}: ${err.message}\n`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => {
    process.exit(code ?? 128 + (signal ? (os.constants.signals[signal] ?? 0) : 1));
  });
}

/** Runs a build step synchronously; false (after saying so) when it fails. */
function build(what, argv) {
  const r = spawnSync(process.execPath, argv, { cwd: root, stdio: 'inherit' });
  if (r.status === 0) return true;
  process.stderr.write(`webhook-bridge: building ${what} failed (exit ${r.status ?? r.signal})\n`);
  return false;
}

/** Newest modification time below `dir` (0 when it does not exist). */
function newest(dir) {
  let latest = 0;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const full = path.join(dir, e.name);
    latest = Math.max(latest, e.isDirectory() ? newest(full) : statSync(full).mtimeMs);
  }
  return latest;
}

/** Builds the dashboard when it was never built or its sources changed since (a fresh clone has none). */
function ensureDashboard() {
  const index = path.join(root, 'dist-renderer', 'index.html');
  const built = existsSync(index) ? statSync(index).mtimeMs : 0;
  if (built > Math.max(newest(path.join(root, 'renderer')), newest(path.join(root, 'shared')))) return;
  const vite = path.join(path.dirname(require.resolve('vite/package.json')), 'bin', 'vite.js');
  build('the dashboard', [vite, 'build', '-c', 'renderer/vite.config.ts', '--logLevel', 'warn']); // a missing build is explained on the page
}

const electron = serve ? { reason: null } : electronBinary();
if (!electron.path) {
  if (electron.reason) process.stdout.write(`webhook-bridge: ${electron.reason}; starting headless mode (open the printed dashboard URL in a browser).\n`);
  ensureDashboard();
  run(process.execPath, [require.resolve('tsx/cli'), 'electron/headless.ts', ...args]);
} else {
  if (!build('the shell', [path.join(root, 'scripts', 'build-main.mjs')])) process.exit(1);
  ensureDashboard();
  const env = { ...process.env };
  delete env.ELECTRON_RUN_AS_NODE; // would turn the binary into plain Node
  run(electron.path, ['.', ...args], env);
}
