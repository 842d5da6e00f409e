/**
 * Installing packages into an interpreter: `uv pip install --python <interpreter> …` when the
 * interpreter has `use_uv` and uv is there (or could be downloaded), else `<interpreter> -m pip
 * install …`. Externally managed interpreters (PEP 668) are refused unless asked for explicitly.
 */
import type { InstallInput } from '../../../shared/dto/jobs.js';
import { conflict, errorMessage, invalid } from '../app-error.js';
import { requirementName } from '../interpreters/validation.js';
import { describeExit } from '../process/exit.js';
import { revalidate, toolEnvironment, type ProvisioningDeps } from './common.js';
import { JobFailure, unlessCancelled, type JobContext, type JobPlan } from './plan.js';
import { missingOf, pipVersionAtLeast, probeInterpreter, type ProbeResult } from './probe.js';
import { classifyLine, errorSummary } from './progress.js';

export interface InstallFlags {
  breakSystemPackages: boolean;
  /** `--progress-bar raw` (pip 24.1+): lines of `Progress <done> of <total>` to read a percentage from. */
  progressRaw?: boolean;
}

/** `<python> -m pip install [--break-system-packages] [--progress-bar raw] <requirements…>` */
export function pipInstallArgv(python: string, requirements: readonly string[], flags: InstallFlags): string[] {
  return [
    python, '-m', 'pip', 'install',
    ...(flags.breakSystemPackages ? ['--break-system-packages'] : []),
    ...(flags.progressRaw ? ['--progress-bar', 'raw'] : []),
    ...requirements,
  ];
}

/** `<uv> pip install --python <python> [--break-system-packages] <requirements…>` */
export function uvPipInstallArgv(uv: string, python: string, requirements: readonly string[], flags: InstallFlags): string[] {
  return [uv, 'pip', 'install', '--python', python, ...(flags.breakSystemPackages ? ['--break-system-packages'] : []), ...requirements];
}

/**
 * Requirement strings as given by the caller, trimmed. Anything that would reach pip or uv as an
 * option (`--index-url …`) is refused: the user's index configuration is theirs to set.
 */
export function checkRequirements(requirements: readonly string[]): string[] {
  const out: string[] = [];
  for (const raw of requirements) {
    const r = raw.trim();
    if (r === '') throw invalid('packages', 'an entry is empty');
    if (r.startsWith('-')) {
      throw invalid('packages', `'${r}' looks like an option; give requirement strings only (set index URLs and such in your pip/uv configuration)`);
    }
    // control characters (newlines) have no place in a requirement and would garble the job output
    if (/[\x00-\x1f\x7f]/.test(r)) throw invalid('packages', `'${JSON.stringify(r)}' contains control characters`);
    if (!out.includes(r)) out.push(r);
  }
  return out;
}

/** The distribution a requirement names when it is a plain `name[extras] <spec>` (not a path or URL). */
export function verifiableName(requirement: string): string | null {
  const m = /^\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(\[[^\]]*\])?\s*(.*)$/.exec(requirement);
  if (!m?.[1]) return null;
  if (/\.(whl|zip|tar\.gz|tgz|tar\.bz2|tar)$/i.test(m[1])) return null;
  const rest = m[3] ?? '';
  return rest === '' || /^[<>=!~;@]/.test(rest) ? m[1] : null;
}

function externallyManagedMessage(name: string, path: string, probe: ProbeResult): string {
  return (
    `'${name}' (${path}) is externally managed (PEP 668: ${probe.marker} exists): installing packages into it ` +
    `can break software of your operating system. Create a virtual environment instead: give '${name}' a venv_path ` +
    `and use "Create virtual environment" (POST /api/dashboard/interpreters/${name}/venv), then install there. ` +
    'To install into it anyway, ask explicitly with break_system_packages: true.'
  );
}

export async function planInstall(input: InstallInput, deps: ProvisioningDeps): Promise<JobPlan> {
  const name = input.name;
  const target = await deps.registry.resolve(name);
  const explicit = input.packages === undefined ? null : checkRequirements(input.packages);
  if (explicit?.length === 0) throw invalid('packages', 'give at least one requirement, or leave it out to install the missing required packages');
  const env = toolEnvironment(deps.env, target.environment);
  const run = deps.runProcessFor(env);
  const required = target.required_packages.flatMap((r) => {
    const n = requirementName(r);
    return n ? [{ requirement: r, name: n }] : [];
  });
  let probe: ProbeResult;
  try {
    probe = await probeInterpreter(run, deps.probeScript, target.path, required.map((r) => r.name), deps.workDir);
  } catch (err) {
    throw conflict(`cannot install into '${name}': ${errorMessage(err)}`);
  }
  if (probe.externallyManaged && input.break_system_packages !== true) {
    throw conflict(externallyManagedMessage(name, target.path, probe), { reason: 'externally-managed', marker: probe.marker });
  }
  const missing = new Set(missingOf(probe, required.map((r) => r.name)));
  const packages = explicit ?? required.filter((r) => missing.has(r.name)).map((r) => r.requirement);
  if (packages.length > 0 && !target.use_uv && probe.pip === null) {
    throw conflict(`pip is not available in '${name}' (${target.path} -m pip fails): install pip into it (${target.path} -m ensurepip, or your system's pip package), or turn on use_uv`);
  }
  const flags = { breakSystemPackages: probe.externallyManaged && input.break_system_packages === true };

  return {
    kind: 'install',
    async execute(ctx: JobContext): Promise<void> {
      if (flags.breakSystemPackages) ctx.warn(`installing into the externally managed '${name}' as asked (--break-system-packages)`);
      if (packages.length === 0) {
        ctx.warn(`nothing to install: every required package of '${name}' is installed`);
        ctx.phase('verifying');
        ctx.commit();
        await revalidate(deps, name, ctx);
        return;
      }
      ctx.phase('resolving');
      let argv: string[] | null = null;
      if (target.use_uv) {
        const choice = await unlessCancelled(ctx, deps.uv.ensure(deps.config.settings.python.auto_download_uv, 'pip', (l) => ctx.line(l)));
        for (const w of choice.warnings) ctx.warn(w);
        if (choice.path) argv = uvPipInstallArgv(choice.path, target.path, packages, flags);
      }
      if (!argv) {
        if (probe.pip === null) throw new JobFailure(`uv is not available and pip is not installed in '${name}'`);
        const progressRaw = pipVersionAtLeast(probe.pip, 24, 1) && env['PIP_PROGRESS_BAR'] === undefined;
        argv = pipInstallArgv(target.path, packages, { ...flags, progressRaw });
      }
      const tool = argv[1] === 'pip' ? 'uv pip install' : 'pip install';
      const exit = await ctx.run(argv, env, (line) => {
        const info = classifyLine(line);
        if (info.phase) ctx.phase(info.phase);
        if (info.percent !== undefined) ctx.percent(info.percent);
      });
      if (exit.code !== 0) {
        throw new JobFailure(`${tool} ${describeExit(exit)}: ${errorSummary(ctx.recentLines(80)) ?? 'it printed nothing'}`);
      }
      ctx.commit();
      ctx.phase('verifying');
      ctx.percent(null);
      const names = packages.map(verifiableName).filter((n): n is string => n !== null);
      const after = await probeInterpreter(run, deps.probeScript, target.path, names, deps.workDir).catch((err: unknown) => {
        throw new JobFailure(`${tool} succeeded, but '${name}' could not be checked afterwards: ${errorMessage(err)}`);
      });
      const still = missingOf(after, names);
      if (still.length > 0) throw new JobFailure(`${tool} succeeded, but ${still.join(', ')} ${still.length > 1 ? 'are' : 'is'} still not installed in '${name}'`);
      if (names.length > 0) ctx.line(`installed in '${name}': ${names.map((n) => `${n} ${after.installed.get(n) ?? '?'}`).join(', ')}`);
      await revalidate(deps, name, ctx);
      if (deps.registry.activeName() === name) {
        ctx.line(`restarting the executor on '${name}'`);
        try {
          await deps.executor.restart();
        } catch (err) {
          ctx.warn(`the packages are installed, but the executor could not be restarted: ${errorMessage(err)}`);
        }
      }
    },
    async afterFailure(reached) {
      // a failure while resolving or downloading changed nothing; one while installing may have
      if (reached === 'installing' || reached === 'verifying') await revalidate(deps, name);
    },
  };
}
