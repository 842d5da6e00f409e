/** Real executors for the executor tests: interpreters on this machine, a core with the executor attached. */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LogEntry } from '../../shared/dto/logs.js';
import type { ConnectionStatus } from '../../shared/dto/connection.js';
import { createCore, type Core } from '../../electron/core/create-core.js';
import type { ExecutorTuning } from '../../electron/core/executor/tuning.js';
import type { Executor } from '../../electron/core/services.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const RESOURCES = path.join(ROOT, 'resources');
export const FIXTURE_PLUGINS = path.join(ROOT, 'test', 'fixtures', 'plugins');
/** Debian's python3 with python3-grpcio and python3-protobuf. */
export const SYSTEM_PYTHON = '/usr/bin/python3';

/** A pyenv Python without grpc (to see an executor fail to start), or null. */
export function pythonWithoutGrpc(): string | null {
  const root = '/root/.pyenv/versions';
  if (!existsSync(root)) return null;
  for (const v of ['3.12.1', '3.11.7', '3.13.0', '3.10.13']) {
    const py = path.join(root, v, 'bin', 'python3');
    if (existsSync(py) && spawnSync(py, ['-c', 'import grpc'], { stdio: 'ignore' }).status !== 0) return py;
  }
  return null;
}

export function tempDir(prefix = 'wbx-test-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A --system-site-packages venv of Debian's python3 (sees its grpcio); no pip, so it is quick. */
export function makeVenv(dir: string): string {
  const venv = path.join(dir, 'venv');
  execFileSync(SYSTEM_PYTHON, ['-m', 'venv', '--system-site-packages', '--without-pip', venv]);
  return path.join(venv, 'bin', 'python3');
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

export interface InterpreterSpec {
  path: string;
  venv_path?: string;
  environment?: Record<string, string>;
}

export function configYaml(opts: { interpreters: Record<string, InterpreterSpec>; active: string; executor?: Record<string, unknown>; pluginDirs?: string[] }): string {
  return JSON.stringify({
    python: { interpreters: opts.interpreters, active_interpreter: opts.active },
    executor: { max_restarts: 5, restart_window: 60, ...opts.executor },
    plugins: { dirs: opts.pluginDirs ?? [FIXTURE_PLUGINS] },
    logging: { level: 'info' },
  });
}

export const TEST_TUNING: Partial<ExecutorTuning> = {
  backoff: { initialMs: 50, maxMs: 1_000, factor: 2 },
  stopGraceMs: 2_000,
  drainTimeoutMs: 5_000,
  readyTimeoutMs: 20_000,
  metricsThrottleMs: 100,
};

export interface CoreWithExecutor {
  core: Core;
  executor: Executor;
  dir: string;
  configFile: string;
  logs: LogEntry[];
  stop(): Promise<void>;
}

export async function startCore(configText: string, tuning: Partial<ExecutorTuning> = {}, env: Record<string, string> = {}): Promise<CoreWithExecutor> {
  const dir = tempDir();
  const configFile = path.join(dir, 'config.yaml');
  await fs.writeFile(configFile, configText, { mode: 0o600 });
  const logs: LogEntry[] = [];
  const fullEnv = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dir, ...env };
  const core = await createCore({
    configFile,
    env: fullEnv,
    logSinks: [{ write: (e) => logs.push(e) }],
    watchConfig: false,
    resourcesDir: RESOURCES,
    dataDir: path.join(dir, 'data'),
    home: dir,
    learnInterpreterFacts: false,
    executorTuning: { ...TEST_TUNING, ...tuning },
  });
  const executor = core.executor;
  await executor.start();
  let stopped: Promise<void> | undefined;
  return {
    core,
    executor,
    dir,
    configFile,
    logs,
    stop() {
      stopped ??= (async () => {
        await core.dispose();
        await fs.rm(dir, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
}

/** Polls `cond` (for things no event announces, like a process exiting) until true or timeout. */
export async function waitUntil(cond: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Resolves with the first status (now or pushed later) that satisfies `pred`. */
export function waitForStatus(c: { core: Core; executor: Executor }, pred: (s: ConnectionStatus) => boolean, timeoutMs = 15_000, what = 'status'): Promise<ConnectionStatus> {
  return new Promise((resolve, reject) => {
    const check = (): boolean => {
      const s = c.executor.status();
      if (!pred(s)) return false;
      clearTimeout(timer);
      sub.dispose();
      resolve(s);
      return true;
    };
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`timed out waiting for ${what}; last status: ${JSON.stringify(c.executor.status())}`));
    }, timeoutMs);
    const sub = c.core.events.on('connectionChanged', () => void check());
    check();
  });
}

/** Keeps `concurrency` callers sending webhooks to `plugin` until stop(); counts outcomes. */
export function load(executor: Executor, concurrency: number, plugin = 'noop'): { stop(): Promise<{ ok: number; failed: number; errors: string[]; pids: Set<number> }> } {
  let running = true;
  let ok = 0;
  let failed = 0;
  const errors: string[] = [];
  const pids = new Set<number>();
  const worker = async (): Promise<void> => {
    while (running) {
      try {
        const res = await executor.execute({ plugin, method: 'POST', path: `/api/v1/webhook/${plugin}`, headers: { 'content-type': 'application/json' }, query: '', body: Buffer.from('{"n":1}'), contentType: 'application/json' });
        if (res.status === 200) ok++;
        else {
          failed++;
          errors.push(`status ${res.status}: ${res.body.toString()}`);
        }
        const pid = executor.status().pid;
        if (pid !== null) pids.add(pid);
      } catch (err) {
        failed++;
        errors.push((err as Error).message);
      }
    }
  };
  const workers = Array.from({ length: concurrency }, () => worker());
  return {
    async stop() {
      running = false;
      await Promise.all(workers);
      return { ok, failed, errors, pids };
    },
  };
}
