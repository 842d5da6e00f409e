/**
 * The provisioning wing, built once: package installs and venv creation as jobs, with real tools
 * (or the ones given). Takes the registry and the executor through narrow ports.
 */
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import type { EventBus } from '../events.js';
import { probeScriptIn } from '../interpreters/probe-script.js';
import type { Logger } from '../logging/logger.js';
import type { RunProcess } from '../process/run.js';
import type { ProcessRunner } from '../process/runner.js';
import type { JobsService } from '../services.js';
import { toolEnvironment, type ProvisioningDeps } from './common.js';
import { planInstall } from './install.js';
import { Jobs, type JobsDeps } from './jobs.js';
import { toolSpawner, type SpawnTool } from './plan.js';
import { UvLocator, type FetchLike, type UvHost } from './uv.js';
import { planVenv } from './venv.js';

export interface JobsOptions {
  registry: ProvisioningDeps['registry'];
  config: ProvisioningDeps['config'];
  executor: ProvisioningDeps['executor'];
  events: EventBus;
  logger: Logger;
  now: () => Date;
  /** The core's one process runner (tools and probes start here). */
  runner: ProcessRunner;
  /** The app's data folder: a downloaded uv is kept here; tools run in it. */
  dataDir: string;
  /** Holds python/interpreter_probe.py. */
  resourcesDir: string;
  /** The app's environment (the user's PIP_* / UV_* settings come with it). */
  env: Readonly<Record<string, string | undefined>>;
  home?: string;
  platform?: NodeJS.Platform;
  arch?: string;
  libc?: UvHost['libc'];
  fetch?: FetchLike;
  spawnTool?: SpawnTool;
  runProcessFor?: (env: Readonly<Record<string, string>>) => RunProcess;
  /** Makes the uv locator in place of the real one (tests: one that finds nothing and cannot download). */
  uv?: UvFactory;
  tuning?: Pick<JobsDeps, 'keepFinished' | 'maxLines' | 'throttleMs' | 'toolTimeoutMs'>;
}

function detectLibc(platform: NodeJS.Platform): UvHost['libc'] {
  if (platform !== 'linux') return null;
  const report = process.report.getReport() as { header?: { glibcVersionRuntime?: string } };
  return report.header?.glibcVersionRuntime ? 'glibc' : 'musl';
}

export type UvFactory = (ctx: { dataDir: string; logger: Logger }) => ProvisioningDeps['uv'];

export function createJobs(opts: JobsOptions): JobsService {
  const { registry, logger } = opts;
  const platform = opts.platform ?? process.platform;
  const { runner } = opts;
  const runProcessFor = opts.runProcessFor ?? ((env: Readonly<Record<string, string>>): RunProcess => (file, args, o) => runner.run(file, args, { ...o, env }));
  const uv =
    opts.uv?.({ dataDir: opts.dataDir, logger }) ??
    new UvLocator({
      host: {
        platform,
        arch: opts.arch ?? process.arch,
        libc: opts.libc !== undefined ? opts.libc : detectLibc(platform),
        env: opts.env,
        home: opts.home ?? opts.env['HOME'] ?? os.homedir(),
        dataDir: opts.dataDir,
      },
      fetch: opts.fetch ?? ((url, init) => fetch(url, init)),
      logger,
      runProcess: runProcessFor(toolEnvironment(opts.env, {})),
    });
  const deps: ProvisioningDeps = {
    registry,
    config: opts.config,
    env: opts.env,
    runProcessFor,
    uv,
    executor: opts.executor,
    logger: logger.child('provisioning'),
    platform,
    probeScript: probeScriptIn(opts.resourcesDir),
    workDir: opts.dataDir,
  };
  const workDir = (): Promise<unknown> => fsp.mkdir(opts.dataDir, { recursive: true, mode: 0o700 });
  return new Jobs({
    planners: {
      has: (name) => registry.has(name),
      install: async (input) => (await workDir(), planInstall(input, deps)),
      venv: async (name) => (await workDir(), planVenv(name, deps)),
    },
    events: opts.events,
    logger,
    now: opts.now,
    spawnTool: opts.spawnTool ?? toolSpawner(runner),
    redact: (text) => logger.redactor.apply(text),
    ...opts.tuning,
  });
}
