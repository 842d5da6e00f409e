/**
 * Last steps of a discovery: turning described groups into DTOs, marking the
 * configured ones, correcting venv versions after a base upgrade, and ordering.
 */
import type { DiscoveredInterpreter } from '../../../../shared/interpreters-discovery.js';
import { aliasesOf, type CandidateGroup, type ResolveContext } from './collapse.js';
import type { Facts } from './describe.js';
import { majorMinor } from './version-files.js';

export interface DescribedGroup {
  group: CandidateGroup;
  facts: Facts;
}

const isVenvGroup = (group: CandidateGroup): boolean => group.key.startsWith('venv:');

function toDto(ctx: ResolveContext, { group, facts }: DescribedGroup): DiscoveredInterpreter {
  const best = group.members[0];
  return {
    path: best?.path ?? '',
    realpath: best?.realpath ?? '',
    aliases: aliasesOf(ctx, group),
    version: facts.version,
    implementation: facts.implementation,
    architecture: facts.architecture,
    kind: group.kind,
    prefix: facts.prefix,
    baseInterpreter: facts.baseInterpreter,
    versionSource: facts.versionSource,
    broken: facts.broken ? { ...facts.broken } : null,
    configured: null,
  };
}

/**
 * A symlinked venv runs its base interpreter: when the base was upgraded (3.11.2 → 3.11.4)
 * pyvenv.cfg still says 3.11.2, so the base's version is the truth.
 */
function correctVenvVersion(entry: DiscoveredInterpreter, base: DiscoveredInterpreter | undefined): void {
  if (!base?.version || !entry.version || entry.versionSource !== 'pyvenv.cfg' || base.version === entry.version) return;
  const [a, b] = [majorMinor(entry.version), majorMinor(base.version)];
  if (a[0] === b[0] && a[1] === b[1]) {
    entry.version = base.version;
    entry.versionSource = base.versionSource;
  }
}

function compareEntries(a: DiscoveredInterpreter, b: DiscoveredInterpreter): number {
  const brokenOrder = Number(a.broken !== null) - Number(b.broken !== null);
  if (brokenOrder) return brokenOrder;
  const va = (a.version ?? '0.0.0').split('.').map(Number);
  const vb = (b.version ?? '0.0.0').split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    const diff = (vb[i] ?? 0) - (va[i] ?? 0);
    if (diff) return diff;
  }
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

/**
 * Builds the ordered list. `configured` keys may be paths or realpaths; a realpath
 * only matches a non-venv interpreter (a venv shares its realpath with its base).
 */
export function finalize(
  ctx: ResolveContext,
  described: readonly DescribedGroup[],
  configured: ReadonlyMap<string, string>,
): DiscoveredInterpreter[] {
  const norm = (p: string): string => {
    const normalized = ctx.path.normalize(p);
    return ctx.windows ? normalized.toLowerCase() : normalized;
  };
  const entries = described.map((item) => toDto(ctx, item));
  const byPath = new Map<string, DiscoveredInterpreter>();
  const byRealpath = new Map<string, DiscoveredInterpreter>();
  described.forEach((item, index) => {
    const entry = entries[index];
    if (!entry) return;
    for (const p of [entry.path, ...entry.aliases]) byPath.set(norm(p), entry);
    if (!isVenvGroup(item.group)) byRealpath.set(norm(entry.realpath), entry);
  });
  described.forEach((item, index) => {
    const entry = entries[index];
    if (entry && isVenvGroup(item.group)) correctVenvVersion(entry, byRealpath.get(norm(entry.realpath)));
  });
  for (const [configuredPath, name] of configured) {
    const key = norm(configuredPath);
    const entry = byPath.get(key) ?? byRealpath.get(key);
    if (entry && entry.configured === null) entry.configured = name;
  }
  return entries.sort(compareEntries);
}
