/** What install and venv plans share: their dependencies, the tools' environment, re-validation. */
import { childEnv } from '../process/env.js';
import type { ValidationReport } from '../../../shared/interpreters-discovery.js';
import type { ConfigStore } from '../config/store.js';
import { AppError, errorMessage } from '../app-error.js';
import type { ResolvedInterpreter } from '../interpreters/registry.js';
import type { Logger } from '../logging/logger.js';
import type { RunProcess } from '../process/run.js';
import type { Executor } from '../services.js';
import type { JobContext } from './plan.js';
import type { UvLocator } from './uv.js';

/** The part of the interpreter registry provisioning uses. */
export interface RegistryPort {
  has(name: string): boolean;
  resolve(name: string): Promise<ResolvedInterpreter>;
  validate(name: string): Promise<ValidationReport>;
  activeName(): string | null;
}

export interface ProvisioningDeps {
  registry: RegistryPort;
  config: Pick<ConfigStore, 'settings' | 'edit'>;
  /** The app's environment: the user's PIP_* / UV_* settings come with it. */
  env: Readonly<Record<string, string | undefined>>;
  /** A short-lived process runner with this environment (probes, `uv --version`). */
  runProcessFor(env: Readonly<Record<string, string>>): RunProcess;
  uv: Pick<UvLocator, 'ensure'>;
  /** Restarts the executor (after packages changed under the interpreter it runs). */
  executor: Pick<Executor, 'restart'>;
  logger: Logger;
  platform: NodeJS.Platform;
  /** resources/python/interpreter_probe.py. */
  probeScript: string;
  /** Working folder of tools and probes (the app's data folder, never a project folder). */
  workDir: string;
}

/**
 * The tools' environment (never the app's secrets: package builds run arbitrary code): the app's, then the interpreter's configured `environment`, plus a few
 * settings for running unattended that the user's own values win over. No index or proxy options
 * are added: pip and uv read the user's PIP_* / UV_* variables and config files themselves.
 */
export function toolEnvironment(
  appEnv: Readonly<Record<string, string | undefined>>,
  interpreterEnv: Readonly<Record<string, string>>,
): Record<string, string> {
  const out: Record<string, string> = {
    PIP_DISABLE_PIP_VERSION_CHECK: '1',
    PIP_NO_INPUT: '1',
  };
  Object.assign(out, childEnv(appEnv, interpreterEnv));
  out['PYTHONUNBUFFERED'] = '1';
  return out;
}

/** Validates the interpreter again (persisting the outcome); a missing validator is not an error. */
export async function revalidate(deps: ProvisioningDeps, name: string, ctx?: JobContext): Promise<ValidationReport | null> {
  try {
    const report = await deps.registry.validate(name);
    const failure = report.checks.find((c) => !c.ok && c.level === 'error');
    ctx?.line(failure ? `validation of '${name}' still fails: ${failure.message}` : `validation of '${name}' passes`);
    return report;
  } catch (err) {
    if (err instanceof AppError && err.code === 'UNAVAILABLE') {
      deps.logger.debug(`not re-validating '${name}': ${err.message}`);
      return null;
    }
    ctx?.warn(`could not validate '${name}' again: ${errorMessage(err)}`);
    return null;
  }
}
