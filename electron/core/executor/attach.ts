/**
 * Wires the executor into the core: builds the backend (spawn or external), the connection
 * manager and the service, sets `core.executor`, registers the live-switch activation handler and
 * follows config edits (executor settings, plugin dirs, the active interpreter's entry).
 */
import { existsSync, promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConnectionManager } from '../connection/manager.js';
import type { HealthMonitorOptions } from '../connection/health-monitor.js';
import { SerialQueue } from '../config/serial-queue.js';
import type { Settings } from '../config/schema.js';
import type { Core } from '../create-core.js';
import { errorMessage } from '../errors.js';
import { ProcessRunner } from '../process/runner.js';
import type { Disposable } from '../events.js';
import type { ExecutorService } from '../services.js';
import type { ExecutorBackend } from './backend.js';
import { DEFAULT_BACKOFF } from './backoff.js';
import { ExternalExecutor } from './external.js';
import { prepareLaunch, TOKEN_ENV, type Transport } from './launch.js';
import { concurrencyArgs } from './concurrency.js';
import { BridgeExecutorService, type ServiceTuning } from './service.js';
import { launchExecutor, type ProcessDeps } from './spawned-executor.js';
import { Supervisor, type LaunchContext, type SupervisorTuning } from './supervisor.js';

export interface ExecutorTuning extends SupervisorTuning, ServiceTuning {
  /** Spawn to health SERVING. */
  readyTimeoutMs: number;
  health: HealthMonitorOptions;
  metricsThrottleMs: number;
}

export const DEFAULT_TUNING: ExecutorTuning = {
  backoff: DEFAULT_BACKOFF,
  healthyResetMs: 10_000,
  drainTimeoutMs: 10_000,
  stopGraceMs: 3_000,
  requestWaitMs: 5_000,
  probeTimeoutMs: 2_000,
  testProbes: 5,
  readyTimeoutMs: 15_000,
  health: { intervalMs: 2_000, timeoutMs: 1_500, failuresToMark: 2 },
  metricsThrottleMs: 1_000,
};

export interface AttachOptions {
  /** Holds python/ (the executor) and plugins/ (the bundled examples). */
  resourcesDir: string;
  /** Holds webhook_bridge.proto and health.proto (default: resources/proto, else ../proto). */
  protoDir?: string;
  /** The app's environment, inherited by the executor (default process.env). */
  env?: Readonly<Record<string, string | undefined>>;
  home?: string;
  /** Starts the executor (default: a runner over `env`). */
  runner?: ProcessDeps['runner'];
  /** Monotonic ms (default performance.now). */
  now?: () => number;
  tmpDir?: string;
  /** The executor's working folder: the app's data folder (made if missing), never the config's, which a user may delete while the app runs (default: home). */
  workDir?: string;
  platform?: NodeJS.Platform;
  tuning?: Partial<ExecutorTuning>;
}

function findProtoDir(resourcesDir: string): string {
  const inside = path.join(resourcesDir, 'proto');
  return existsSync(path.join(inside, 'webhook_bridge.proto')) ? inside : path.join(resourcesDir, '..', 'proto');
}

/** Where webhook_bridge looked for plugins beside its working folder (besides `plugins/`). */
export const UPSTREAM_PLUGIN_DIRS = ['example_plugins', 'webhook_plugins'];

/**
 * Configured plugin folders (relative to the config file's folder), then the bundled examples. A
 * webhook_bridge config (`settings.plugins.upstream_layout`) also gets upstream's example_plugins/
 * and webhook_plugins/ beside the config file when they exist.
 */
export function pluginDirsOf(settings: Settings, configFile: string, resourcesDir: string, home: string): string[] {
  const base = path.dirname(configFile);
  const dirs = settings.plugins.dirs.map((d) => {
    const expanded = d === '~' ? home : d.startsWith('~/') ? path.join(home, d.slice(2)) : d;
    return path.resolve(base, expanded);
  });
  if (settings.plugins.upstream_layout) {
    dirs.push(...UPSTREAM_PLUGIN_DIRS.map((d) => path.join(base, d)).filter((d) => existsSync(d)));
  }
  const bundled = path.join(resourcesDir, 'plugins');
  return [...new Set([...dirs, bundled])];
}

export function transportOf(settings: Settings, platform: NodeJS.Platform, othersAlive: boolean): Transport {
  const { host, port } = settings.executor;
  if (platform !== 'win32' && host === null && port === null) return { kind: 'unix' };
  // A fixed port is still held by the old executor during a live switch: the new one takes a free port.
  return { kind: 'tcp', host: host ?? '127.0.0.1', port: port !== null && !othersAlive ? port : 0 };
}

export function attachExecutor(core: Core, opts: AttachOptions): ExecutorService {
  const tuning: ExecutorTuning = { ...DEFAULT_TUNING, ...opts.tuning };
  const env = opts.env ?? process.env;
  const home = opts.home ?? os.homedir();
  const platform = opts.platform ?? process.platform;
  const now = opts.now ?? (() => performance.now());
  const protoDir = opts.protoDir ?? findProtoDir(opts.resourcesDir);
  const settings = (): Settings => core.config.settings;
  const procDeps: ProcessDeps = { runner: opts.runner ?? new ProcessRunner({ env, platform }), now, wall: core.now };
  const log = core.logger.child('executor');

  let loggedUpstreamDirs = '';
  const launch = async (target: Parameters<typeof prepareLaunch>[0], ctx: LaunchContext) => {
    const s = settings();
    const pluginDirs = pluginDirsOf(s, core.config.path, opts.resourcesDir, home);
    if (s.plugins.upstream_layout && loggedUpstreamDirs !== pluginDirs.join('\n')) {
      loggedUpstreamDirs = pluginDirs.join('\n');
      log.info(`webhook_bridge-style config (python.interpreter, no plugins section): plugin folders ${pluginDirs.join(', ')}`);
    }
    const workDir = opts.workDir ?? home;
    await fsp.mkdir(workDir, { recursive: true, mode: 0o700 });
    const prepared = await prepareLaunch(target, {
      resourcesDir: opts.resourcesDir,
      pluginDirs,
      pluginTimeoutS: s.executor.timeout,
      legacyEnvelope: s.plugins.legacy_envelope,
      legacyGeneration: s.plugins.legacy_generation,
      logLevel: s.logging.level,
      transport: transportOf(s, platform, ctx.othersAlive),
      baseEnv: env,
      platform,
      tmpDir: opts.tmpDir ?? os.tmpdir(),
      cwd: workDir,
    });
    prepared.args.push(...concurrencyArgs(s.executor));
    for (const secret of prepared.secrets) core.logger.redactor.add(secret);
    return launchExecutor(
      { generation: ctx.generation, interpreter: target, prepared, protoDir, readyTimeoutMs: tuning.readyTimeoutMs, logger: core.logger.child(`executor#${ctx.generation}`), signal: ctx.signal },
      procDeps,
    );
  };

  const makeBackend = (mode: 'spawn' | 'external'): ExecutorBackend => {
    const s = settings();
    if (mode === 'external') {
      const host = s.executor.host ?? '127.0.0.1';
      const address = s.executor.port === null ? null : `${host.includes(':') ? `[${host}]` : host}:${s.executor.port}`;
      return new ExternalExecutor({ logger: core.logger, address, token: env[TOKEN_ENV] ?? null, protoDir, now, wall: core.now, probeTimeoutMs: tuning.probeTimeoutMs });
    }
    return new Supervisor({
      logger: core.logger,
      resolveActive: async () => {
        const name = core.registry.activeName();
        return name === null ? null : core.registry.resolve(name);
      },
      launch,
      limits: () => ({
        maxRestarts: settings().executor.max_restarts,
        windowMs: settings().executor.restart_window * 1000,
        callDeadlineMs: settings().executor.timeout * 1000 + 2000,
      }),
      now,
      tuning,
    });
  };

  const manager = new ConnectionManager(makeBackend(settings().executor.mode), {
    events: core.events,
    now,
    redact: (t) => core.logger.redactor.apply(t),
    monitor: tuning.health,
    metricsThrottleMs: tuning.metricsThrottleMs,
  });

  // --- following config edits ------------------------------------------------------------
  const launchSig = (): string => {
    const s = settings();
    return JSON.stringify([s.executor.host, s.executor.port, s.executor.timeout, s.plugins.legacy_envelope, s.plugins.legacy_generation, concurrencyArgs(s.executor), pluginDirsOf(s, core.config.path, opts.resourcesDir, home)]);
  };
  const entrySig = (name: string | null): string => {
    const s = settings();
    const entry = name === null ? undefined : s.python.interpreters[name];
    return JSON.stringify(entry ? [entry.path, entry.venv_path, entry.environment] : [s.python.interpreter]);
  };
  let lastActive = core.registry.activeName();
  let lastLaunch = launchSig();
  let lastEntry = entrySig(lastActive);
  const reactions = new SerialQueue();
  let sub: Disposable | undefined;
  let stopped = false;

  const onConfigChange = async (): Promise<void> => {
    if (stopped) return;
    const s = settings();
    const active = core.registry.activeName();
    const launchNow = launchSig();
    const entryNow = entrySig(active);
    const activeChanged = active !== lastActive;
    // A new active interpreter is a switch (already done when it came through activate()), not a restart.
    const relaunch = launchNow !== lastLaunch || (!activeChanged && entryNow !== lastEntry);
    [lastActive, lastLaunch, lastEntry] = [active, launchNow, entryNow];
    const backend = manager.backend;
    if (s.executor.mode !== backend.mode) {
      log.info(`executor.mode is now ${s.executor.mode}: switching the executor backend`);
      const next = makeBackend(s.executor.mode);
      manager.setBackend(next);
      await next.start();
      await backend.stop();
      return;
    }
    if (backend.mode !== 'spawn') return;
    const running = backend.snapshot().target?.key ?? null;
    if (activeChanged && active !== null && active !== running) {
      log.info(`the configuration now makes '${active}' active: switching the executor`);
      await backend.switchTo(await core.registry.resolve(active));
    } else if (relaunch) {
      log.info('executor settings changed: restarting the executor');
      await backend.restart();
    }
  };

  const service = new BridgeExecutorService({
    manager,
    pluginTimeoutMs: () => settings().executor.timeout * 1000,
    activate: (name) => core.registry.activate(name),
    now,
    tuning,
    onStart: async () => {
      sub = core.config.onDidChange(() => {
        void reactions.run(onConfigChange).catch((err: unknown) => log.error(`applying the configuration change failed: ${errorMessage(err)}`));
      });
    },
    onStop: async () => {
      stopped = true;
      sub?.dispose();
      core.registry.setActivationHandler(undefined);
      await reactions.run(async () => undefined);
    },
  });
  core.registry.setActivationHandler((target) => manager.backend.switchTo(target));
  core.executor = service;
  return service;
}
