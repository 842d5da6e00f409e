/**
 * The executor pools of bound interpreters as users see them (`ConnectionStatus.bound`): every
 * interpreter a plugin is bound to other than the running one, and any bound pool still running.
 * Built by the router from what it knows; errors are not redacted here (the connection manager does).
 */
import type { BoundExecutor, BoundExecutorState, ConnectionState } from '../../../shared/dto/connection.js';
import type { Settings } from '../config/schema.js';
import type { BackendSnapshot } from './backend.js';

/** Why and when a bound pool stopped last. */
export interface BoundStop {
  at: Date;
  reason: string;
  /** Stopped after `executor.bound_idle_seconds` without calls. */
  idle: boolean;
}

/** A bound pool that runs now. */
export interface RunningBound {
  key: string;
  snapshot: BackendSnapshot;
  inFlight: number;
}

export interface BoundViewInput {
  settings: Settings;
  /** The interpreter the active pool runs (calls of plugins bound to it go there). */
  activeKey: string | null;
  running: readonly RunningBound[];
  lastUse: ReadonlyMap<string, Date>;
  stops: ReadonlyMap<string, BoundStop>;
  /** Why an interpreter cannot run plugins, or null. */
  problem: (key: string) => string | null;
}

const RUNNING_STATE: Record<ConnectionState, BoundExecutorState> = {
  disconnected: 'starting',
  connecting: 'starting',
  connected: 'serving',
  reconnecting: 'failing',
  failed: 'failing',
};

const NOT_STARTED = 'not started yet: the first call of a plugin bound to it starts it';

/** The plugins bound to each interpreter, sorted. */
export function pluginsByInterpreter(settings: Settings): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [plugin, s] of Object.entries(settings.plugins.settings)) {
    if (!s.interpreter) continue;
    const list = out.get(s.interpreter) ?? [];
    list.push(plugin);
    out.set(s.interpreter, list);
  }
  for (const list of out.values()) list.sort();
  return out;
}

export function boundViews(input: BoundViewInput): BoundExecutor[] {
  const { settings } = input;
  if (settings.executor.mode === 'external') return [];
  const bound = pluginsByInterpreter(settings);
  const running = new Map(input.running.map((r) => [r.key, r]));
  const keys = new Set([...[...bound.keys()].filter((k) => k !== input.activeKey), ...running.keys()]);
  const iso = (d: Date | undefined): string | null => (d ? d.toISOString() : null);
  return [...keys].sort().map((key): BoundExecutor => {
    const plugins = bound.get(key) ?? [];
    const r = running.get(key);
    const lastUsed = iso(input.lastUse.get(key));
    if (r) {
      const snap = r.snapshot;
      const processes = snap.pool.processes;
      return {
        interpreter: key,
        interpreter_path: (snap.current?.interpreter ?? snap.target)?.path ?? settings.python.interpreters[key]?.path ?? null,
        plugins,
        state: RUNNING_STATE[snap.state],
        pool: { size: snap.pool.size, serving: processes.filter((p) => p.state === 'serving').length, processes },
        in_flight: r.inFlight,
        last_used: lastUsed,
        stopped_at: null,
        stop_reason: null,
        last_error: snap.lastError,
      };
    }
    const problem = input.problem(key);
    const stop = input.stops.get(key);
    return {
      interpreter: key,
      interpreter_path: settings.python.interpreters[key]?.path ?? null,
      plugins,
      state: problem ? 'failing' : stop?.idle ? 'idle-stopped' : 'stopped',
      pool: { size: 0, serving: 0, processes: [] },
      in_flight: 0,
      last_used: lastUsed,
      stopped_at: iso(stop?.at),
      stop_reason: stop?.reason ?? NOT_STARTED,
      last_error: problem,
    };
  });
}
