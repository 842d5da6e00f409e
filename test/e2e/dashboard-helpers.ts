/** Helpers for the dashboard's end-to-end tests: build the renderer, start headless mode, drive Chromium. */
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdtempSync, promises as fs, readdirSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { startBridge, type Bridge } from '../../electron/app.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DIST = path.join(ROOT, 'dist-renderer');
export const SCREENSHOTS = path.join(ROOT, 'test-results', 'screenshots');
const run = promisify(execFile);
export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

function newestMtime(target: string): number {
  if (!existsSync(target)) return 0;
  const st = statSync(target);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = 0;
  for (const name of readdirSync(target)) newest = Math.max(newest, newestMtime(path.join(target, name)));
  return newest;
}

/** One renderer build at a time across e2e files running in parallel (mkdir is atomic; a stale lock is broken). */
async function withBuildLock<T>(fn: () => Promise<T>): Promise<T> {
  const lock = path.join(ROOT, 'test-results', '.renderer-build.lock');
  await fs.mkdir(path.dirname(lock), { recursive: true });
  for (;;) {
    try {
      await fs.mkdir(lock);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const since = await fs.stat(lock).then((st) => st.mtimeMs, () => Date.now());
      if (Date.now() - since > 180_000) await fs.rm(lock, { recursive: true, force: true });
      else await new Promise((r) => setTimeout(r, 250));
    }
  }
  try {
    return await fn();
  } finally {
    await fs.rm(lock, { recursive: true, force: true });
  }
}

/** Builds dist-renderer/ with vite when it is missing or older than renderer/ or shared/. */
export function ensureRendererBuilt(): Promise<'fresh' | 'built'> {
  return withBuildLock(buildIfStale);
}

async function buildIfStale(): Promise<'fresh' | 'built'> {
  const index = path.join(DIST, 'index.html');
  const sources = Math.max(newestMtime(path.join(ROOT, 'renderer')), newestMtime(path.join(ROOT, 'shared')));
  if (existsSync(index) && statSync(index).mtimeMs >= sources) return 'fresh';
  // A child process: inside vitest NODE_ENV is `test`, which would bundle React's development build.
  const vite = path.join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
  await run(process.execPath, [vite, 'build', '-c', path.join(ROOT, 'renderer', 'vite.config.ts'), '--logLevel', 'warn'], { cwd: ROOT, env: { ...process.env, NODE_ENV: 'production' } });
  return 'built';
}

export interface E2EBridge {
  bridge: Bridge;
  dir: string;
  url: string;
  token: string;
  stop(): Promise<void>;
}

/** Headless mode in-process on a free port, with a fresh config (legacy `auto` interpreter) in a temp folder. */
export async function startE2EBridge(): Promise<E2EBridge> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wb-e2e-'));
  const configFile = path.join(dir, 'config.yaml');
  await fs.writeFile(
    configFile,
    [
      'python:',
      '  interpreter: "auto"',
      'executor:',
      '  mode: "spawn"',
      'server:',
      '  host: "127.0.0.1"',
      'plugins:',
      '  dirs: ["plugins"]',
      'logging:',
      '  level: "info"',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  const env: Record<string, string | undefined> = { ...process.env, HOME: dir, XDG_CONFIG_HOME: path.join(dir, 'xdg-config'), XDG_STATE_HOME: path.join(dir, 'xdg-state'), XDG_DATA_HOME: path.join(dir, 'xdg-data') };
  delete env['WEBHOOK_BRIDGE_API_TOKEN'];
  delete env['WEBHOOK_BRIDGE_ACTIVE_INTERPRETER'];
  const bridge = await startBridge({ configFlag: configFile, port: 0, host: '127.0.0.1', env, home: dir, fileLog: false, resourcesDir: path.join(ROOT, 'resources') });
  return {
    bridge,
    dir,
    url: bridge.url,
    token: bridge.token.token,
    async stop() {
      await bridge.stop();
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** A Python 3.8+ on this machine that cannot import grpc (an executor under it fails to start), or null. */
export function pythonWithoutGrpc(): string | null {
  const root = '/root/.pyenv/versions';
  if (!existsSync(root)) return null;
  for (const v of readdirSync(root).sort().reverse()) {
    const py = path.join(root, v, 'bin', 'python3');
    if (!/^3\.(8|9|1\d)\./.test(v) || !existsSync(py)) continue;
    if (spawnSync(py, ['-c', 'import grpc'], { stdio: 'ignore', timeout: 10_000 }).status !== 0) return py;
  }
  return null;
}

export const chromiumAvailable = (): boolean => existsSync(CHROMIUM);
