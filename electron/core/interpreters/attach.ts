import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { DiscoveryResult } from '../../../shared/interpreters-discovery.js';
import { childEnv } from '../process/env.js';
import type { Core } from '../create-core.js';
import { ProcessRunner } from '../process/runner.js';
import {
  createDiscovery,
  createProbeRunner,
  createPyLauncherLister,
  createRegQueryReader,
  nodeDiscoveryFs,
} from './discovery/index.js';
import { probeScriptIn } from './probe-script.js';
import type { ResolvedInterpreter } from './registry.js';
import { nodeValidationFs, validateInterpreter } from './validation.js';

export interface InterpreterToolsOptions {
  resourcesDir: string;
  env: Readonly<Record<string, string | undefined>>;
  home: string;
  cwd?: string;
  platform?: NodeJS.Platform;
  validationDeadlineMs?: number;
}

/**
 * Plugs discovery and validation into the core: `core.discovery` for the discover operation, the
 * registry's validator, and the facts (version, kind) that discovery learns about configured entries.
 */
export function attachInterpreterTools(core: Core, opts: InterpreterToolsOptions): void {
  const platform = opts.platform ?? process.platform;
  const runner = new ProcessRunner({ env: opts.env, platform });
  const runProcess = runner.run;
  const configDir = path.dirname(core.config.path);
  const settings = () => core.config.settings.python;
  const discovery = createDiscovery({
    platform,
    env: opts.env,
    homeDir: opts.home,
    cwd: opts.cwd ?? process.cwd(),
    fs: nodeDiscoveryFs,
    runProbe: createProbeRunner(runProcess, probeScriptIn(opts.resourcesDir)),
    now: () => performance.now(),
    venvPaths: () =>
      [settings().venv_path, ...Object.values(settings().interpreters).map((e) => e.venv_path)]
        .filter((p): p is string => typeof p === 'string' && p.length > 0)
        .map((p) => path.resolve(configDir, p)),
    configuredPaths: () => new Map(Object.entries(settings().interpreters).map(([name, e]) => [e.path, name])),
    ...(platform === 'win32' ? { readRegistry: createRegQueryReader(runProcess), listPyLauncher: createPyLauncherLister(runProcess) } : {}),
  });

  core.discovery = async (refresh: boolean): Promise<DiscoveryResult> => {
    const result = await discovery.discover({ refresh });
    for (const found of result.interpreters) {
      if (found.configured) core.registry.setFacts(found.configured, { version: found.version, implementation: found.implementation, kind: found.kind });
    }
    return result;
  };

  // Version and kind of configured interpreters come from discovery (files first, cached), so the
  // list shows them from the start and after every edit, not only after a validation.
  let timer: NodeJS.Timeout | undefined;
  const learnFacts = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      core.discovery?.(false).catch((err: unknown) => core.logger.child('interpreters').warn(`discovery failed: ${(err as Error).message}`));
    }, 100);
    timer.unref();
  };
  learnFacts();
  core.config.onDidChange(learnFacts);

  const probeScript = probeScriptIn(opts.resourcesDir);
  core.registry.setValidator((entry: ResolvedInterpreter) => {
    // validate under the environment the executor will get, so PYTHONPATH and friends count
    const env = childEnv(opts.env, entry.environment);
    return validateInterpreter(
      { path: entry.path, venv_path: entry.venv_path, required_packages: entry.required_packages },
      { runProcess: (file, args, o) => runner.run(file, args, { ...o, env }), deadlineMs: opts.validationDeadlineMs ?? 15_000, platform, fs: nodeValidationFs, probeScript, now: () => performance.now() },
    );
  });
}
