/**
 * Wires provisioning into a core: builds the jobs service with real tools (or the ones given)
 * and sets `core.jobs`.
 */
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import type { Core } from '../create-core.js';
import { probeScriptIn } from '../interpreters/probe-script.js';
import type { RunProcess } from '../process/run.js';
import { ProcessRunner } from '../process/runner.js';
import type { JobsService } from '../services.js';
import { toolEnvironment, type ProvisioningDeps } from './common.js';
import { planInstall } from './install.js';
import { Jobs, type JobsDeps } from './jobs.js';
import { toolSpawner, type SpawnTool } from './plan.js';
import { UvLocator, type FetchLike, type UvHost } from './uv.js';
import { planVenv } from './venv.js';

export interface AttachJobsOptions {
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
  uv?: ProvisioningDeps['uv'];
  tuning?: Pick<JobsDeps, 'keepFinished' | 'maxLines' | 'throttleMs' | 'toolTimeoutMs'>;
}

function detectLibc(platform: NodeJS.Platform): UvHost['libc'] {
  if (platform !== 'linux') return null;
  const report = process.report.getReport() as { header?: { glibcVersionRuntime?: string } };
  return report.header?.glibcVersionRuntime ? 'glibc' : 'musl';
}

export function attachJobs(core: Core, opts: AttachJobsOptions): JobsService {
  const platform = opts.platform ?? process.platform;
  const runner = new ProcessRunner({ env: opts.env, platform });
  const runProcessFor = opts.runProcessFor ?? ((env: Readonly<Record<string, string>>): RunProcess => (file, args, o) => runner.run(file, args, { ...o, env }));
  const uv =
    opts.uv ??
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
      logger: core.logger,
      runProcess: runProcessFor(toolEnvironment(opts.env, {})),
    });
  const deps: ProvisioningDeps = {
    registry: core.registry,
    config: core.config,
    env: opts.env,
    runProcessFor,
    uv,
    executor: () => core.executor,
    logger: core.logger.child('provisioning'),
    platform,
    probeScript: probeScriptIn(opts.resourcesDir),
    workDir: opts.dataDir,
  };
  const workDir = (): Promise<unknown> => fsp.mkdir(opts.dataDir, { recursive: true, mode: 0o700 });
  const jobs = new Jobs({
    planners: {
      has: (name) => core.registry.has(name),
      install: async (input) => (await workDir(), planInstall(input, deps)),
      venv: async (name) => (await workDir(), planVenv(name, deps)),
    },
    events: core.events,
    logger: core.logger,
    now: core.now,
    spawnTool: opts.spawnTool ?? toolSpawner(runner),
    redact: (text) => core.logger.redactor.apply(text),
    ...opts.tuning,
  });
  core.jobs = jobs;
  core.registry.setRemovalGuard((name) => (jobs.isBusy(name) ? `a package job is running for '${name}'; wait for it or cancel it` : null));
  return jobs;
}
