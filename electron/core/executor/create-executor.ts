/**
 * The executor wing, built once: the backend (spawn: `Supervisor`; external: `ExternalExecutor`),
 * the connection state (`ConnectionManager`, pushed as `connectionChanged`), the gateway that calls
 * plugins, and the follower of config edits that restart it (executor settings, plugin folders, the
 * running interpreter's entry, `executor.mode`). Switching interpreters is the activation
 * use-case's (core/activation.ts), not this wing's.
 */
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import type { ConfigChange } from '../config/store.js';
import type { Settings } from '../config/schema.js';
import { workerCount } from '../config/workers.js';
import type { Disposable, Event, EventBus } from '../events.js';
import type { ResolvedInterpreter } from '../interpreters/registry.js';
import type { Logger } from '../logging/logger.js';
import type { Executor } from '../services.js';
import type { ExecutorBackend } from './backend.js';
import type { CallSignals } from './call-signals.js';
import { followConfig } from './config-follower.js';
import { executorArgs, streamsToOpen } from './concurrency.js';
import { ConnectionManager } from './connection-status.js';
import { ExternalExecutor } from './external.js';
import { ExecutorGateway } from './gateway.js';
import { prepareLaunch, TOKEN_ENV } from './launch.js';
import { findProtoDir, pluginDirsOf, transportOf } from './launch-settings.js';
import { BackendRouter, type BoundInterpreters } from './router.js';
import { launchExecutor, type ProcessDeps } from './spawned-executor.js';
import { Supervisor, type LaunchContext } from './supervisor.js';
import { DEFAULT_TUNING, type ExecutorTuning } from './tuning.js';

/** What the executor reads of the configuration. */
export interface ExecutorConfig {
  readonly path: string;
  readonly settings: Settings;
  readonly onDidChange: Event<ConfigChange>;
}

export interface ExecutorOptions {
  config: ExecutorConfig;
  /** The active interpreter for a (re)start: null when none is chosen; throws when the choice is wrong. */
  resolveActive: () => Promise<ResolvedInterpreter | null>;
  /** Interpreters that plugins are bound to (`plugins.settings.<name>.interpreter`): resolved, and their problems. */
  interpreters: BoundInterpreters;
  events: Pick<EventBus, 'emit'>;
  logger: Logger;
  /** Wall clock. */
  wall: () => Date;
  /** Holds python/ (the executor) and plugins/ (the bundled examples). */
  resourcesDir: string;
  /** Holds webhook_bridge.proto and health.proto (default: resources/proto, else ../proto). */
  protoDir?: string;
  /** The app's environment, inherited by the executor. */
  env: Readonly<Record<string, string | undefined>>;
  home?: string;
  /** Starts the executor: the core's one process runner. */
  runner: ProcessDeps['runner'];
  /** Monotonic ms (default performance.now). */
  now?: () => number;
  tmpDir?: string;
  /** The executor's working folder: the app's data folder (made if missing), never the config's, which a user may delete while the app runs (default: home). */
  workDir?: string;
  platform?: NodeJS.Platform;
  /** CPUs for `executor.workers: auto` (default os.availableParallelism()). */
  cpus?: number;
  tuning?: Partial<ExecutorTuning>;
  /** Told of every call and switch (the core's metrics). */
  signals?: CallSignals;
}

export function createExecutor(opts: ExecutorOptions): Executor {
  const { config, logger, env } = opts;
  const tuning: ExecutorTuning = { ...DEFAULT_TUNING, ...opts.tuning };
  const home = opts.home ?? os.homedir();
  const platform = opts.platform ?? process.platform;
  const now = opts.now ?? (() => performance.now());
  const protoDir = opts.protoDir ?? findProtoDir(opts.resourcesDir);
  const settings = (): Settings => config.settings;
  const procDeps: ProcessDeps = { runner: opts.runner, now, wall: opts.wall };
  const pluginDirs = (s: Settings): string[] => pluginDirsOf(s, config.path, opts.resourcesDir, home);

  const log = logger.child('executor');
  let loggedUpstreamDirs = '';
  const launch = async (target: ResolvedInterpreter, ctx: LaunchContext, bound: boolean) => {
    const s = settings();
    const dirs = pluginDirs(s);
    if (s.plugins.upstream_layout && loggedUpstreamDirs !== dirs.join('\n')) {
      loggedUpstreamDirs = dirs.join('\n');
      log.info(`webhook_bridge-style config (python.interpreter, no plugins section): plugin folders ${dirs.join(', ')}`);
    }
    const workDir = opts.workDir ?? home;
    await fsp.mkdir(workDir, { recursive: true, mode: 0o700 });
    const prepared = await prepareLaunch(target, {
      resourcesDir: opts.resourcesDir,
      pluginDirs: dirs,
      pluginTimeoutS: s.executor.timeout,
      legacyEnvelope: s.plugins.legacy_envelope,
      legacyGeneration: s.plugins.legacy_generation,
      logLevel: s.logging.level,
      // a fixed executor.port belongs to the active interpreter's executor
      transport: transportOf(s, platform, ctx.othersAlive || bound),
      baseEnv: env,
      platform,
      tmpDir: opts.tmpDir ?? os.tmpdir(),
      cwd: workDir,
    });
    prepared.args.push(...executorArgs(s.executor));
    for (const secret of prepared.secrets) logger.redactor.add(secret);
    return launchExecutor(
      { generation: ctx.generation, interpreter: target, prepared, protoDir, readyTimeoutMs: tuning.readyTimeoutMs, streams: streamsToOpen(tuning.executeStreams, s.executor), logger: logger.child(bound ? `executor[${target.key}]#${ctx.generation}` : `executor#${ctx.generation}`), signal: ctx.signal },
      procDeps,
    );
  };

  /** The one spawn backend factory: the active interpreter's (`resolve` re-read at each restart) and each bound one's. */
  const spawnBackend = (resolve: () => Promise<ResolvedInterpreter | null>, bound: boolean): ExecutorBackend =>
    new Supervisor({
      logger: bound ? logger.child('bound') : logger,
      resolveActive: resolve,
      launch: (target, ctx) => launch(target, ctx, bound),
      workers: () => workerCount(settings().executor.workers, opts.cpus ?? os.availableParallelism()),
      limits: () => ({
        maxRestarts: settings().executor.max_restarts,
        windowMs: settings().executor.restart_window * 1000,
        callDeadlineMs: settings().executor.timeout * 1000 + 2000,
      }),
      now,
      tuning,
    });

  const makeBackend = (mode: 'spawn' | 'external'): ExecutorBackend => {
    const s = settings();
    if (mode === 'external') {
      const host = s.executor.host ?? '127.0.0.1';
      const address = s.executor.port === null ? null : `${host.includes(':') ? `[${host}]` : host}:${s.executor.port}`;
      return new ExternalExecutor({ logger, address, token: env[TOKEN_ENV] ?? null, protoDir, now, wall: opts.wall, probeTimeoutMs: tuning.probeTimeoutMs, streams: tuning.executeStreams });
    }
    return spawnBackend(opts.resolveActive, false);
  };

  const manager = new ConnectionManager(makeBackend(settings().executor.mode), {
    events: opts.events,
    now,
    redact: (t) => logger.redactor.apply(t),
    monitor: tuning.health,
    metricsThrottleMs: tuning.metricsThrottleMs,
  });
  const follower = followConfig({ config, manager, makeBackend, pluginDirs, log });
  const router = new BackendRouter({
    settings,
    main: () => manager.backend,
    makeBackend: (target) => spawnBackend(async () => target, true),
    interpreters: opts.interpreters,
    monitor: tuning.health,
    now,
    wall: opts.wall,
    drainMs: () => Math.max(tuning.drainTimeoutMs, settings().executor.timeout * 1000 + 2000),
    log,
  });
  manager.followBound(router);
  let routerSub: Disposable | undefined;

  return new ExecutorGateway({
    manager,
    router,
    pluginTimeoutMs: () => settings().executor.timeout * 1000,
    now,
    tuning,
    onStart: async () => {
      follower.start();
      routerSub = config.onDidChange(() => router.configChanged());
    },
    onStop: async () => {
      routerSub?.dispose();
      await Promise.all([follower.stop(), router.stop()]);
    },
    ...(opts.signals ? { signals: opts.signals } : {}),
  });
}
