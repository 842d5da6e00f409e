/**
 * The one process runner of the app: every child (executor, discovery and validation probes,
 * pip/uv/venv jobs) starts here, with the child environment, capped output lines and a tree kill.
 */
import { childEnv } from './env.js';
import { runToEnd, type RunProcess } from './run.js';
import { spawnProcess, type SpawnConfig, type SpawnedProcess, type SpawnRequest } from './spawn.js';

export interface ProcessRunnerOptions {
  /** The app's environment: children get it without the app's secrets (see `childEnv`). */
  env: Readonly<Record<string, string | undefined>>;
  platform?: NodeJS.Platform;
  /** Time between SIGTERM and SIGKILL of a stopped tree (default 3 s). */
  graceMs?: number;
  /** After a spawned process exits, how long output may still come from what it left running (default 1 s). */
  drainMs?: number;
}

/** The same for `run`, whose processes are short-lived. */
const RUN_DRAIN_MS = 500;

export class ProcessRunner {
  readonly platform: NodeJS.Platform;
  private readonly config: SpawnConfig;
  private readonly env: Record<string, string>;

  constructor(opts: ProcessRunnerOptions) {
    this.platform = opts.platform ?? process.platform;
    this.env = childEnv(opts.env);
    this.config = { platform: this.platform, graceMs: opts.graceMs ?? 3_000, drainMs: opts.drainMs ?? 1_000 };
  }

  /** A long-running child (its `env`, when not given, is the app's without its secrets). */
  spawn(req: Omit<SpawnRequest, 'env'> & { env?: SpawnRequest['env'] }): SpawnedProcess {
    return spawnProcess({ ...req, env: req.env ?? this.env }, this.config);
  }

  /** A short-lived child read to the end, with a timeout and a bounded buffer (bound: pass `runner.run` around). */
  readonly run: RunProcess = (file, args, options) =>
    runToEnd((req) => this.spawn(req), { file, args, env: options.env ?? this.env, cwd: options.cwd, drainMs: RUN_DRAIN_MS }, options);
}
