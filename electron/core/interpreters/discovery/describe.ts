/**
 * Describing a group from files only: version, implementation, architecture,
 * prefix, base interpreter and whether it is broken. What stays unknown (the
 * version) is left to the probe.
 */
import type { InterpreterImplementation } from '../../../../shared/interpreters-discovery.js';
import type { CandidateGroup, ResolveContext } from './collapse.js';
import type { CandidateHints, ProbeInfo, VersionSource } from './types.js';
import {
  archFromExecutable,
  implementationFromName,
  parsePyvenvCfg,
  unsupportedVersionReason,
  versionFromCondaMeta,
  versionFromExecutableName,
  versionFromPatchlevel,
} from './version-files.js';

export interface Facts {
  version: string | null;
  versionSource: VersionSource | null;
  implementation: InterpreterImplementation | null;
  architecture: string | null;
  prefix: string | null;
  baseInterpreter: string | null;
  broken: { reason: string } | null;
}

const emptyFacts = (): Facts => ({
  version: null,
  versionSource: null,
  implementation: null,
  architecture: null,
  prefix: null,
  baseInterpreter: null,
  broken: null,
});

function mergedHints(group: CandidateGroup): CandidateHints {
  const hints: CandidateHints = {};
  for (const member of [...group.members].reverse()) Object.assign(hints, member.candidate.hints);
  return hints;
}

/**
 * The base interpreter of a venv, looked up in pyvenv.cfg's `home` (what Python itself
 * uses); `executable` only picks the exact name inside that folder. `exists` is false
 * when none of the plausible files is left.
 */
async function findBase(
  ctx: ResolveContext,
  home: string,
  cfgExecutable: string | null,
  venvExeName: string,
): Promise<{ path: string; exists: boolean }> {
  const names = ctx.windows ? ['python.exe'] : [venvExeName, 'python3', 'python'];
  const sameFolder =
    cfgExecutable !== null &&
    ctx.path.isAbsolute(cfgExecutable) &&
    ctx.path.isAbsolute(home) &&
    ctx.path.relative(home, ctx.path.dirname(cfgExecutable)) === '';
  const exact = sameFolder && cfgExecutable ? [cfgExecutable] : [];
  const options = [...exact, ...names.map((n) => ctx.path.join(home, n))];
  for (const option of options) {
    if ((await ctx.fs.stat(option))?.isFile()) return { path: option, exists: true };
  }
  return { path: options[0] ?? home, exists: false };
}

async function describeVenv(ctx: ResolveContext, group: CandidateGroup, venvRoot: string): Promise<Facts> {
  const best = group.members[0];
  const facts: Facts = { ...emptyFacts(), prefix: venvRoot };
  const cfgPath = ctx.path.join(venvRoot, 'pyvenv.cfg');
  const text = await ctx.fs.readText(cfgPath);
  if (text === null || !best) {
    facts.broken = { reason: `${cfgPath} cannot be read` };
    return facts;
  }
  const cfg = parsePyvenvCfg(text);
  if (cfg.version) Object.assign(facts, { version: cfg.version, versionSource: 'pyvenv.cfg' });
  facts.implementation = cfg.implementation ?? implementationFromName(ctx.path.basename(best.realpath));
  if (!cfg.home) {
    facts.broken = { reason: `${cfgPath} has no "home" entry, the base interpreter is unknown` };
    return facts;
  }
  const base = await findBase(ctx, cfg.home, cfg.executable, ctx.path.basename(best.path));
  facts.baseInterpreter = base.path;
  if (!base.exists) {
    const homeExists = await ctx.fs.isDir(cfg.home);
    facts.broken = {
      reason: homeExists
        ? `base interpreter is gone: no Python executable left in ${cfg.home} (pyvenv.cfg "home")`
        : `base interpreter is gone: ${cfg.home} (pyvenv.cfg "home") no longer exists`,
    };
  } else if (best.danglingTarget) {
    facts.broken = { reason: `broken symlink to ${best.danglingTarget}` };
  }
  if (best.stat) facts.architecture = await archFromExecutable(ctx.fs, best.realpath);
  return facts;
}

/** `<prefix>/bin/python3.11` → `<prefix>`; Windows: the folder of python.exe. */
function layoutPrefix(ctx: ResolveContext, realpath: string): string | null {
  const dir = ctx.path.dirname(realpath);
  if (ctx.windows) return dir;
  return ctx.path.basename(dir) === 'bin' ? ctx.path.dirname(dir) : null;
}

async function describeInstall(ctx: ResolveContext, group: CandidateGroup): Promise<Facts> {
  const best = group.members[0];
  const facts = emptyFacts();
  if (!best) return facts;
  const hints = mergedHints(group);
  if (best.danglingTarget) {
    facts.broken = { reason: `broken symlink to ${best.danglingTarget}` };
    return facts;
  }
  const nameVersion =
    versionFromExecutableName(ctx.path.basename(best.realpath)) ??
    group.members.map((m) => versionFromExecutableName(ctx.path.basename(m.path))).find((v) => v !== null) ??
    null;
  const prefix = best.candidate.opaque ? null : layoutPrefix(ctx, best.realpath);
  facts.prefix = prefix;
  if (prefix) {
    const header = await versionFromPatchlevel(ctx.fs, ctx.path, prefix, nameVersion, ctx.windows);
    const found = header ?? (await versionFromCondaMeta(ctx.fs, ctx.path, prefix));
    if (found) {
      facts.version = found.version;
      facts.implementation = found.implementation;
      facts.versionSource = header ? 'patchlevel.h' : 'conda-meta';
    }
  }
  const hintFits = hints.version && (nameVersion === null || hints.version.startsWith(`${nameVersion}.`));
  if (!facts.version && hints.version && hintFits) {
    facts.version = hints.version;
    facts.versionSource = hints.versionSource ?? 'path-name';
  }
  facts.implementation ??= hints.implementation ?? implementationFromName(ctx.path.basename(best.realpath));
  facts.architecture = hints.architecture ?? (best.stat ? await archFromExecutable(ctx.fs, best.realpath) : null);
  return facts;
}

/** Facts from files. `venvRoot` is the resolved venv folder for venv groups. */
export function describeFromFiles(ctx: ResolveContext, group: CandidateGroup): Promise<Facts> {
  const venvRoot = group.members[0]?.venvRoot;
  return venvRoot ? describeVenv(ctx, group, venvRoot) : describeInstall(ctx, group);
}

/** Completes file facts with a probe result (files win where they spoke). */
export function withProbe(facts: Facts, info: ProbeInfo): Facts {
  const implementation = info.implementation === 'cpython' || info.implementation === 'pypy' ? info.implementation : null;
  return {
    ...facts,
    version: info.version,
    versionSource: 'probe',
    // The running interpreter knows better than a name-based guess.
    implementation,
    architecture: facts.architecture ?? info.architecture,
    prefix: facts.prefix ?? info.prefix,
  };
}

/** Marks interpreters older than the supported minimum as broken. */
export function withSupportCheck(facts: Facts): Facts {
  if (facts.broken || !facts.version) return facts;
  const reason = unsupportedVersionReason(facts.version);
  return reason ? { ...facts, broken: { reason } } : facts;
}
