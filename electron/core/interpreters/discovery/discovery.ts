/**
 * Interpreter discovery: runs every source of the current platform in parallel,
 * collapses duplicates, describes each interpreter from files, probes only what
 * stays unknown (one process each, all in parallel, one deadline) and caches the
 * descriptions per interpreter, keyed by path and file identity (ino, size, mtime).
 */
import type { DiscoveryResult, DiscoverySourceStat } from '../../../../shared/interpreters-discovery.js';
import { collapse, resolveCandidate, type CandidateGroup, type ResolveContext, type ResolvedCandidate } from './collapse.js';
import { describeFromFiles, withProbe, withSupportCheck, type Facts } from './describe.js';
import { finalize, type DescribedGroup } from './finalize.js';
import { fingerprintOf, pathApiFor, SafeFs } from './fs-helpers.js';
import { ALL_SOURCES, type SourceContext } from './sources.js';
import type { DiscoverOptions, DiscoveryDeps, ProbeOutcome } from './types.js';

export const DEFAULT_PROBE_DEADLINE_MS = 3000;

export interface Discovery {
  discover(options?: DiscoverOptions): Promise<DiscoveryResult>;
}

interface CacheEntry {
  fingerprint: string;
  facts: Facts;
}

interface Pending extends DescribedGroup {
  /** Fingerprint the facts were computed for; null = not cacheable. */
  fingerprint: string | null;
  fresh: boolean;
}

function envLookup(deps: DiscoveryDeps): (name: string) => string | undefined {
  if (deps.platform !== 'win32') return (name) => deps.env[name];
  const folded = new Map<string, string>();
  for (const [key, value] of Object.entries(deps.env)) {
    if (value !== undefined && !folded.has(key.toUpperCase())) folded.set(key.toUpperCase(), value);
  }
  return (name) => folded.get(name.toUpperCase());
}

export function createDiscovery(deps: DiscoveryDeps): Discovery {
  const cache = new Map<string, CacheEntry>();
  let inflight: Promise<DiscoveryResult> | null = null;

  /** Identity of everything the facts of a group were read from. */
  async function fingerprint(ctx: ResolveContext, group: CandidateGroup, baseInterpreter: string | null): Promise<string> {
    const best = group.members[0] as ResolvedCandidate;
    const exe = best.stat ?? (await ctx.fs.lstat(best.path));
    const parts = [best.path, best.realpath, fingerprintOf(exe)];
    if (best.venvRoot) {
      const [cfg, base] = await Promise.all([
        ctx.fs.stat(ctx.path.join(best.venvRoot, 'pyvenv.cfg')),
        baseInterpreter ? ctx.fs.stat(baseInterpreter) : Promise.resolve(null),
      ]);
      parts.push(fingerprintOf(cfg), baseInterpreter ?? '-', fingerprintOf(base));
    }
    return parts.join('|');
  }

  async function describe(ctx: ResolveContext, group: CandidateGroup, refresh: boolean): Promise<Pending> {
    const cached = refresh ? undefined : cache.get(group.key);
    if (cached) {
      const current = await fingerprint(ctx, group, cached.facts.baseInterpreter);
      if (current === cached.fingerprint) return { group, facts: cached.facts, fingerprint: current, fresh: false };
    }
    const facts = await describeFromFiles(ctx, group);
    return { group, facts, fingerprint: await fingerprint(ctx, group, facts.baseInterpreter), fresh: true };
  }

  async function probeUnknown(pending: Pending[], deadlineMs: number): Promise<number> {
    const unknown = pending.filter((p) => p.fresh && p.facts.version === null && p.facts.broken === null);
    if (unknown.length === 0) return 0;
    const paths = unknown.map((p) => (p.group.members[0] as ResolvedCandidate).path);
    let outcomes: Map<string, ProbeOutcome>;
    try {
      outcomes = await deps.runProbe(paths, deadlineMs);
    } catch (err) {
      const reason = `probe failed: ${err instanceof Error ? err.message : String(err)}`;
      outcomes = new Map(paths.map((p) => [p, { ok: false, reason, transient: true }]));
    }
    unknown.forEach((item, index) => {
      const outcome = outcomes.get(paths[index] ?? '') ?? { ok: false, reason: 'probe gave no answer', transient: true };
      if (outcome.ok) {
        item.facts = withProbe(item.facts, outcome.info);
      } else {
        item.facts = { ...item.facts, broken: { reason: outcome.reason } };
        if (outcome.transient) item.fingerprint = null;
      }
    });
    return paths.length;
  }

  async function run(options: DiscoverOptions): Promise<DiscoveryResult> {
    const started = deps.now();
    const windows = deps.platform === 'win32';
    const pathApi = pathApiFor(deps.platform);
    const fs = new SafeFs(deps.fs);
    const env = envLookup(deps);
    const sourceCtx: SourceContext = {
      deps,
      fs,
      path: pathApi,
      windows,
      env,
      pyenvRoot: env('PYENV_ROOT') || pathApi.join(deps.homeDir, '.pyenv', ...(windows ? ['pyenv-win'] : [])),
    };
    const ctx: ResolveContext = { fs, path: pathApi, windows };
    const sources = ALL_SOURCES.filter((source) => !source.platforms || source.platforms.includes(deps.platform));

    const perSource = await Promise.all(
      sources.map(async (source) => {
        const t0 = deps.now();
        const result = await source.collect(sourceCtx).catch(() => ({ candidates: [], processesStarted: 0 }));
        const resolved = await Promise.all(result.candidates.map((c) => resolveCandidate(ctx, c)));
        const kept = resolved.filter((r): r is ResolvedCandidate => r !== null);
        const stat: DiscoverySourceStat = { name: source.name, count: kept.length, durationMs: deps.now() - t0 };
        return { kept, stat, processesStarted: result.processesStarted };
      }),
    );

    const groups = collapse(ctx, perSource.flatMap((s) => s.kept), sourceCtx.pyenvRoot);
    const pending = await Promise.all(groups.map((group) => describe(ctx, group, options.refresh === true)));
    const probed = await probeUnknown(pending, options.deadlineMs ?? DEFAULT_PROBE_DEADLINE_MS);

    const seen = new Set<string>();
    for (const item of pending) {
      item.facts = withSupportCheck(item.facts);
      seen.add(item.group.key);
      if (item.fresh && item.fingerprint !== null) cache.set(item.group.key, { fingerprint: item.fingerprint, facts: item.facts });
      if (item.fresh && item.fingerprint === null) cache.delete(item.group.key);
    }
    for (const key of [...cache.keys()]) if (!seen.has(key)) cache.delete(key);

    const interpreters = finalize(ctx, pending, deps.configuredPaths?.() ?? new Map<string, string>());
    return {
      interpreters,
      stats: {
        durationMs: deps.now() - started,
        processesStarted: probed + perSource.reduce((sum, s) => sum + s.processesStarted, 0),
        cacheHits: pending.filter((p) => !p.fresh).length,
        sources: perSource.map((s) => s.stat),
      },
    };
  }

  return {
    discover(options = {}) {
      if (options.refresh) return run(options);
      // Concurrent callers share one run instead of probing the same interpreters twice.
      inflight ??= run(options).finally(() => {
        inflight = null;
      });
      return inflight;
    },
  };
}
