/**
 * Resolving candidates (symlinks, venv membership) and collapsing them into one
 * group per interpreter: same realpath, or the same virtual environment. Venvs get
 * their own identity because their executable is usually a symlink to the base.
 */
import type { PathApi, SafeFs } from './fs-helpers.js';
import type { Candidate, FileStat, InterpreterKind } from './types.js';

export interface ResolvedCandidate {
  candidate: Candidate;
  path: string;
  /** Resolved executable; the path itself for a broken symlink or an opaque alias. */
  realpath: string;
  /** stat of the resolved executable (null for a broken symlink or an opaque alias). */
  stat: FileStat | null;
  /** First missing target of a broken symlink chain. */
  danglingTarget: string | null;
  /** Folder holding pyvenv.cfg, as reached from `path` (not resolved). */
  venvRoot: string | null;
  groupKey: string;
  /** Whether the folder of `path` is not reached through a symlink. */
  canonicalDir: boolean;
}

export interface CandidateGroup {
  key: string;
  /** Best member first. */
  members: ResolvedCandidate[];
  kind: InterpreterKind;
}

/** Most specific first; a group takes the most specific kind among its members. */
const KIND_ORDER: readonly InterpreterKind[] = [
  'pyenv-virtualenv',
  'venv',
  'conda',
  'uv',
  'pyenv',
  'homebrew',
  'macos-framework',
  'windows-store',
  'windows-registry',
  'py-launcher',
  'system',
  'path',
];

const kindRank = (kind: InterpreterKind): number => KIND_ORDER.indexOf(kind);

export interface ResolveContext {
  fs: SafeFs;
  path: PathApi;
  windows: boolean;
}

const keyCase = (ctx: ResolveContext, p: string): string => (ctx.windows ? p.toLowerCase() : p);

async function findVenvRoot(ctx: ResolveContext, exe: string): Promise<string | null> {
  const binDir = ctx.path.dirname(exe);
  for (const dir of [binDir, ctx.path.dirname(binDir)]) {
    if (await ctx.fs.exists(ctx.path.join(dir, 'pyvenv.cfg'))) return dir;
  }
  return null;
}

/** Resolves one candidate; null when it is not an interpreter worth listing. */
export async function resolveCandidate(ctx: ResolveContext, candidate: Candidate): Promise<ResolvedCandidate | null> {
  const file = ctx.path.normalize(candidate.path);
  const link = await ctx.fs.lstat(file);
  if (!link || link.isDirectory()) return null;
  const dir = ctx.path.dirname(file);
  const [resolved, resolvedDir, venvRoot] = await Promise.all([
    candidate.opaque ? Promise.resolve(file) : ctx.fs.realpath(file),
    ctx.fs.realpath(dir),
    findVenvRoot(ctx, file),
  ]);
  if (candidate.requireVenv && !venvRoot) return null;
  let stat: FileStat | null = null;
  let danglingTarget: string | null = null;
  if (resolved === null) {
    danglingTarget = await ctx.fs.danglingTarget(file, ctx.path);
  } else if (!candidate.opaque) {
    stat = await ctx.fs.stat(resolved);
    if (!stat?.isFile()) return null;
    // A file without any execute bit is not something a shell would run.
    if (!ctx.windows && (stat.mode & 0o111) === 0) return null;
  }
  const venvKey = venvRoot ? ((await ctx.fs.realpath(venvRoot)) ?? venvRoot) : null;
  const realpath = resolved ?? file;
  return {
    candidate,
    path: file,
    realpath,
    stat,
    danglingTarget,
    venvRoot,
    groupKey: keyCase(ctx, venvKey ? `venv:${venvKey}` : `exe:${realpath}`),
    canonicalDir: resolvedDir === dir,
  };
}

function nameRank(ctx: ResolveContext, file: string): number {
  const name = ctx.path.basename(file).toLowerCase().replace(/\.exe$/, '');
  const order = ctx.windows ? ['python', 'python3'] : ['python3', 'python'];
  const index = order.indexOf(name);
  if (index >= 0) return index;
  return /^python\d/.test(name) ? 2 : 3;
}

function compareMembers(ctx: ResolveContext, a: ResolvedCandidate, b: ResolvedCandidate): number {
  return (
    kindRank(a.candidate.kind) - kindRank(b.candidate.kind) ||
    Number(b.canonicalDir) - Number(a.canonicalDir) ||
    nameRank(ctx, a.path) - nameRank(ctx, b.path) ||
    a.path.length - b.path.length ||
    (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)
  );
}

function isUnder(ctx: ResolveContext, child: string, parent: string): boolean {
  const rel = ctx.path.relative(parent, child);
  return rel !== '' && !rel.startsWith('..') && !ctx.path.isAbsolute(rel);
}

/** The kind of a group, corrected by what the files say (pyvenv.cfg, Homebrew cellar). */
function groupKind(ctx: ResolveContext, best: ResolvedCandidate, pyenvRoot: string): InterpreterKind {
  const kind = best.candidate.kind;
  if (best.venvRoot) {
    if (kind === 'pyenv-virtualenv' || kind === 'venv') return kind;
    return isUnder(ctx, best.venvRoot, ctx.path.join(pyenvRoot, 'versions')) ? 'pyenv-virtualenv' : 'venv';
  }
  if ((kind === 'path' || kind === 'system') && /\/Cellar\/|^\/opt\/homebrew\//.test(best.realpath)) return 'homebrew';
  return kind;
}

/** Collapses resolved candidates into groups, best member first. Path duplicates are merged too. */
export function collapse(ctx: ResolveContext, resolved: readonly ResolvedCandidate[], pyenvRoot: string): CandidateGroup[] {
  const groups = new Map<string, ResolvedCandidate[]>();
  for (const item of resolved) {
    const members = groups.get(item.groupKey) ?? [];
    members.push(item);
    groups.set(item.groupKey, members);
  }
  return [...groups].map(([key, members]) => {
    members.sort((a, b) => compareMembers(ctx, a, b));
    const best = members[0] as ResolvedCandidate;
    return { key, members, kind: groupKind(ctx, best, pyenvRoot) };
  });
}

/** Distinct paths of a group other than the chosen one. */
export function aliasesOf(ctx: ResolveContext, group: CandidateGroup): string[] {
  const chosen = group.members[0]?.path;
  const seen = new Set<string>(chosen ? [keyCase(ctx, chosen)] : []);
  const aliases: string[] = [];
  for (const member of group.members) {
    const id = keyCase(ctx, member.path);
    if (seen.has(id)) continue;
    seen.add(id);
    aliases.push(member.path);
  }
  return aliases.sort();
}
