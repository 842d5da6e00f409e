/**
 * The interpreters wing, built once: the registry (configured entries, the active choice),
 * validation of an entry, and discovery of the Pythons on this machine (whose facts — version,
 * kind — the registry shows for configured entries).
 */
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { DiscoveryResult } from '../../../shared/interpreters-discovery.js';
import { childEnv } from '../process/env.js';
import type { ConfigStore } from '../config/store.js';
import { errorMessage } from '../app-error.js';
import type { Disposable, EventBus } from '../events.js';
import type { Logger } from '../logging/logger.js';
import type { ProcessRunner } from '../process/runner.js';
import {
  createDiscovery,
  createProbeRunner,
  createPyLauncherLister,
  createRegQueryReader,
  nodeDiscoveryFs,
} from './discovery/index.js';
import { findPythonOnPath } from './find-python.js';
import { probeScriptIn } from './probe-script.js';
import { InterpreterRegistry, type ResolvedInterpreter, type Validator } from './registry.js';
import { nodeValidationFs, validateInterpreter } from './validation.js';

export interface InterpretersOptions {
  config: ConfigStore;
  events: EventBus;
  logger: Logger;
  now: () => Date;
  /** The core's one process runner (probes and validation start here). */
  runner: ProcessRunner;
  /** Holds python/interpreter_probe.py. */
  resourcesDir: string;
  env: Readonly<Record<string, string | undefined>>;
  home: string;
  cwd?: string;
  platform?: NodeJS.Platform;
  validationDeadlineMs?: number;
  /** Run discovery (cached) at start and after each config edit, for version and kind in the list (default true). */
  learnFacts?: boolean;
}

/** Finds the Pythons on this machine; configured ones get their facts recorded in the registry. */
export interface DiscoveryService {
  discover(refresh: boolean): Promise<DiscoveryResult>;
}

export interface InterpretersWing extends Disposable {
  readonly registry: InterpreterRegistry;
  readonly discovery: DiscoveryService;
}

export function createInterpreters(opts: InterpretersOptions): InterpretersWing {
  const { config, logger } = opts;
  const platform = opts.platform ?? process.platform;
  const probeScript = probeScriptIn(opts.resourcesDir);
  const { runner } = opts;
  const validator: Validator = (entry: ResolvedInterpreter) => {
    // validate under the environment the executor will get, so PYTHONPATH and friends count
    const env = childEnv(opts.env, entry.environment);
    return validateInterpreter(
      { path: entry.path, venv_path: entry.venv_path, required_packages: entry.required_packages },
      { runProcess: (file, args, o) => runner.run(file, args, { ...o, env }), deadlineMs: opts.validationDeadlineMs ?? 15_000, platform, fs: nodeValidationFs, probeScript, now: () => performance.now() },
    );
  };
  const registry = new InterpreterRegistry({
    config,
    events: opts.events,
    logger,
    now: opts.now,
    home: opts.home,
    findDefaultPython: () => findPythonOnPath(opts.env, platform),
    validator,
  });

  const runProcess = runner.run;
  const configDir = path.dirname(config.path);
  const settings = () => config.settings.python;
  const finder = createDiscovery({
    platform,
    env: opts.env,
    homeDir: opts.home,
    cwd: opts.cwd ?? process.cwd(),
    fs: nodeDiscoveryFs,
    runProbe: createProbeRunner(runProcess, probeScript),
    now: () => performance.now(),
    venvPaths: () =>
      [settings().venv_path, ...Object.values(settings().interpreters).map((e) => e.venv_path)]
        .filter((p): p is string => typeof p === 'string' && p.length > 0)
        .map((p) => path.resolve(configDir, p)),
    configuredPaths: () => new Map(Object.entries(settings().interpreters).map(([name, e]) => [e.path, name])),
    ...(platform === 'win32' ? { readRegistry: createRegQueryReader(runProcess), listPyLauncher: createPyLauncherLister(runProcess) } : {}),
  });
  const discovery: DiscoveryService = {
    async discover(refresh) {
      const result = await finder.discover({ refresh });
      for (const found of result.interpreters) {
        if (found.configured) registry.setFacts(found.configured, { version: found.version, implementation: found.implementation, kind: found.kind });
      }
      return result;
    },
  };

  // Version and kind of configured interpreters come from discovery (files first, cached), so the
  // list shows them from the start and after every edit, not only after a validation.
  let timer: NodeJS.Timeout | undefined;
  let sub: Disposable | undefined;
  if (opts.learnFacts !== false) {
    const learnFacts = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        discovery.discover(false).catch((err: unknown) => logger.child('interpreters').warn(`discovery failed: ${errorMessage(err)}`));
      }, 100);
      timer.unref();
    };
    learnFacts();
    sub = config.onDidChange(learnFacts);
  }

  return {
    registry,
    discovery,
    dispose() {
      clearTimeout(timer);
      sub?.dispose();
      registry.dispose();
    },
  };
}
