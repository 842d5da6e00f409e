/**
 * Shared set-up of the chaos suites: headless mode in-process (startBridge: real HTTP, real
 * executors) with a private TMPDIR (so its socket folders can be counted apart from other runs on
 * the machine) and a private plugin folder (whose path on the executor's command line tells our
 * executor processes apart from anyone else's), plus a one-line report per scenario.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startBridge, type Bridge } from '../../electron/app.js';
import type { ExecutorTuning } from '../../electron/core/executor/tuning.js';
import type { ConnectionStatus } from '../../shared/dto/connection.js';
import type { TrafficSummary } from '../helpers/chaos.js';
import { REPO_ROOT } from '../helpers/bridge.js';

export const SYSTEM_PYTHON = '/usr/bin/python3';

export interface ChaosBridge {
  bridge: Bridge;
  url: string;
  token: string;
  /** Temp folder holding the config, HOME and the plugin folder. */
  dir: string;
  configFile: string;
  /** The private plugin folder: on every executor's command line (`--plugin-dir`). */
  marker: string;
  /** Where this bridge makes its executors' socket folders. */
  tmpDir: string;
  status(): ConnectionStatus;
  /** `wbx-*` socket folders in tmpDir. */
  socketDirs(): string[];
  api(method: string, urlPath: string, body?: unknown): Promise<{ status: number; json: unknown }>;
  stop(): Promise<void>;
}

/** The chaos process's own temp root; os.tmpdir() points into it from here on (executor socket folders go there). */
let privateTmp: string | undefined;
export function privateTmpDir(): string {
  if (!privateTmp) {
    privateTmp = mkdtempSync(path.join(os.tmpdir(), 'wb-chaos-'));
    process.env['TMPDIR'] = privateTmp;
  }
  return privateTmp;
}

/** Removes the private temp root (call in afterAll, after every bridge is stopped). */
export function removePrivateTmpDir(): void {
  if (!privateTmp) return;
  rmSync(privateTmp, { recursive: true, force: true });
  privateTmp = undefined;
}

export function socketDirsIn(dir: string): string[] {
  try {
    return readdirSync(dir).filter((n) => n.startsWith('wbx-'));
  } catch {
    return [];
  }
}

export function chaosConfig(opts: { interpreters: Record<string, { path: string }>; active: string; executor?: Record<string, unknown>; pluginDir: string }): string {
  return JSON.stringify({
    python: { interpreters: opts.interpreters, active_interpreter: opts.active },
    executor: opts.executor ?? {},
    plugins: { dirs: [opts.pluginDir] },
    logging: { level: 'warn' },
  });
}

export async function startChaosBridge(opts: {
  interpreters: (dir: string) => Record<string, { path: string }>;
  active: string;
  executor?: Record<string, unknown>;
  tuning?: Partial<ExecutorTuning>;
  /** Plugins to copy into the private plugin folder. */
  plugins?: string[];
}): Promise<ChaosBridge> {
  const tmpDir = privateTmpDir();
  const dir = mkdtempSync(path.join(tmpDir, 'bridge-'));
  const marker = path.join(dir, 'plugins');
  mkdirSync(marker);
  for (const p of opts.plugins ?? []) {
    copyFileSync(path.join(REPO_ROOT, 'test', 'fixtures', 'plugins', p), path.join(marker, p));
  }
  const configFile = path.join(dir, 'config.yaml');
  writeFileSync(configFile, chaosConfig({ interpreters: opts.interpreters(dir), active: opts.active, pluginDir: marker, ...(opts.executor ? { executor: opts.executor } : {}) }), { mode: 0o600 });
  const env: Record<string, string | undefined> = { ...process.env, HOME: dir, XDG_CONFIG_HOME: path.join(dir, 'xdg-config'), XDG_STATE_HOME: path.join(dir, 'xdg-state'), XDG_DATA_HOME: path.join(dir, 'xdg-data') };
  delete env['WEBHOOK_BRIDGE_API_TOKEN'];
  const bridge = await startBridge({
    configFlag: configFile,
    port: 0,
    host: '127.0.0.1',
    env,
    home: dir,
    fileLog: false,
    resourcesDir: path.join(REPO_ROOT, 'resources'),
    ...(opts.tuning ? { executorTuning: opts.tuning } : {}),
  });
  const token = bridge.token.token;
  const status = (): ConnectionStatus => {
    const s = bridge.core.executor?.status();
    if (!s) throw new Error('no executor attached');
    return s;
  };
  let stopped: Promise<void> | undefined;
  return {
    bridge,
    url: bridge.url,
    token,
    dir,
    configFile,
    marker,
    tmpDir,
    status,
    socketDirs: () => socketDirsIn(tmpDir),
    async api(method, urlPath, body) {
      const res = await fetch(`${bridge.url}${urlPath}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = text;
      }
      return { status: res.status, json };
    },
    stop() {
      stopped ??= (async () => {
        await bridge.stop();
        rmSync(dir, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
}

/** One line per scenario: requests sent, answered by status, failures, worst latency. */
export function report(scenario: string, t: TrafficSummary | null, extra: Record<string, unknown> = {}): string {
  const parts = [`[chaos] ${scenario}:`];
  if (t) {
    const statuses = Object.entries(t.byStatus).map(([s, n]) => `${s === '0' ? 'no answer' : s}×${n}`).join(', ');
    parts.push(`sent ${t.sent}, 2xx ${t.ok}, not 2xx ${t.failed} (${statuses}); latency p50 ${t.p50Ms} ms, p99 ${t.p99Ms} ms, max ${t.maxLatencyMs} ms`);
  }
  for (const [k, v] of Object.entries(extra)) parts.push(`${k} ${typeof v === 'string' ? v : JSON.stringify(v)}`);
  const line = parts.join(' ');
  console.log(line);
  return line;
}
