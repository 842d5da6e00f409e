/**
 * Picks the executor backend of each call: a plugin bound to another interpreter
 * (`plugins.settings.<name>.interpreter`), or a call made under a named interpreter (a replay), runs
 * under that interpreter's own backend, made by the same factory as the active one's; everything
 * else runs under the active interpreter's. A bound backend starts on first use, is supervised and
 * probed like the active one, and stops after `executor.bound_idle_seconds` without calls, when no
 * plugin binds to it any more, when its interpreter's entry or the launch settings change (the next
 * call starts it again), and with the app.
 */
import type { BoundExecutor } from '../../../shared/dto/connection.js';
import { AppError, errorMessage } from '../app-error.js';
import type { Settings } from '../config/schema.js';
import type { ResolvedInterpreter } from '../interpreters/registry.js';
import { Emitter, type Disposable, type Event } from '../events.js';
import type { Logger } from '../logging/logger.js';
import type { ExecutorBackend, Lease } from './backend.js';
import { boundViews, type BoundStop } from './bound-status.js';
import type { Endpoint } from './endpoint.js';
import type { HealthMonitorOptions } from './health-monitor.js';
import { PoolMonitor } from './pool-monitor.js';

/** What the router needs of the interpreter registry. */
export interface BoundInterpreters {
  resolve(name: string): Promise<ResolvedInterpreter>;
  /** Why `name` cannot run plugins (unknown, missing, failed its validation), or null. */
  problem(name: string): string | null;
}

export interface RouterDeps {
  settings: () => Settings;
  /** The active interpreter's backend (it may be swapped when `executor.mode` changes). */
  main: () => ExecutorBackend;
  /** The backend factory create-executor uses for the active interpreter. */
  makeBackend: (target: ResolvedInterpreter) => ExecutorBackend;
  interpreters: BoundInterpreters;
  monitor: HealthMonitorOptions;
  /** Monotonic ms. */
  now: () => number;
  /** Wall clock (last use, stop time). */
  wall: () => Date;
  /** How long a retiring backend may finish its calls. */
  drainMs: () => number;
  log: Logger;
}

interface Bound {
  readonly key: string;
  readonly backend: ExecutorBackend;
  readonly monitor: PoolMonitor;
  /** The settings and entry it was started with: another one retires it. */
  readonly signature: string;
  readonly started: Promise<void>;
  /** Follows its backend's changes (the monitor, and the router's own `onDidChange`). */
  readonly sub: Disposable;
  inFlight: number;
  idleTimer: NodeJS.Timeout | undefined;
}

export class BackendRouter {
  private readonly bound = new Map<string, Bound>();
  private readonly retiring = new Map<Bound, Promise<void>>();
  private readonly lastUse = new Map<string, Date>();
  private readonly stops = new Map<string, BoundStop>();
  private readonly changes = new Emitter<void>();
  private stopped = false;

  /** A bound pool started, stopped or changed state, or the bindings may have changed. */
  readonly onDidChange: Event<void> = this.changes.event;

  constructor(private readonly deps: RouterDeps) {}

  /** The interpreter `plugin` is bound to, or null (the active one). */
  bindingOf(plugin: string): string | null {
    return this.deps.settings().plugins.settings[plugin]?.interpreter ?? null;
  }

  /** Where a call goes: null for the active interpreter's backend, else the bound interpreter's key. */
  private targetKey(plugin: string, interpreter: string | undefined): string | null {
    const key = interpreter ?? this.bindingOf(plugin);
    if (key === null || this.deps.settings().executor.mode === 'external') return null;
    const snap = this.deps.main().snapshot();
    return (snap.current?.interpreter ?? snap.target)?.key === key ? null : key;
  }

  /** A lease on the executor that runs `plugin` (under `interpreter` when given); not on `avoid` when another process of that pool serves. */
  async lease(plugin: string, waitMs: number, interpreter?: string, avoid?: Endpoint): Promise<Lease> {
    const key = this.targetKey(plugin, interpreter);
    if (key === null) return this.deps.main().lease(waitMs, avoid);
    const who = interpreter === undefined ? `plugin '${plugin}' is bound to interpreter '${key}'` : `interpreter '${key}' (asked for plugin '${plugin}')`;
    if (this.stopped) throw new AppError('UNAVAILABLE', `${who}: the executor is stopped`);
    let b = this.bound.get(key);
    if (!b) {
      const problem = this.deps.interpreters.problem(key);
      if (problem) throw new AppError('UNAVAILABLE', `${who}, which cannot run plugins: ${problem}`, { plugin, interpreter: key });
      b = await this.open(key, who);
    }
    const entry = b;
    this.busy(entry);
    try {
      await entry.started;
      const lease = await entry.backend.lease(waitMs, avoid);
      let released = false;
      return {
        endpoint: lease.endpoint,
        release: () => {
          if (released) return;
          released = true;
          lease.release();
          this.idle(entry);
        },
      };
    } catch (err) {
      this.idle(entry);
      throw new AppError('UNAVAILABLE', `${who}, whose executor is not serving: ${errorMessage(err)}`, { plugin, interpreter: key });
    }
  }

  /** The pools of bound interpreters as `ConnectionStatus.bound` shows them (errors not yet redacted). */
  views(): BoundExecutor[] {
    const snap = this.deps.main().snapshot();
    return boundViews({
      settings: this.deps.settings(),
      activeKey: (snap.current?.interpreter ?? snap.target)?.key ?? null,
      running: [...this.bound.values()].map((b) => ({ key: b.key, snapshot: b.backend.snapshot(), inFlight: b.inFlight })),
      lastUse: this.lastUse,
      stops: this.stops,
      problem: (key) => this.deps.interpreters.problem(key),
    });
  }

  private signature(key: string): string {
    const s = this.deps.settings();
    const { bound_idle_seconds: _idle, ...executor } = s.executor;
    const entry = s.python.interpreters[key];
    const plugins = [s.plugins.dirs, s.plugins.legacy_envelope, s.plugins.legacy_generation];
    return JSON.stringify([executor, plugins, entry ? [entry.path, entry.venv_path, entry.environment] : s.python.interpreter, this.deps.interpreters.problem(key)]);
  }

  private async open(key: string, who: string): Promise<Bound> {
    const signature = this.signature(key);
    let target: ResolvedInterpreter;
    try {
      target = await this.deps.interpreters.resolve(key);
    } catch (err) {
      throw new AppError('UNAVAILABLE', `${who}, which cannot be resolved: ${errorMessage(err)}`);
    }
    const raced = this.bound.get(key);
    if (raced) return raced;
    const backend = this.deps.makeBackend(target);
    // every process of its pool is probed, like the active interpreter's
    const monitor = new PoolMonitor(() => backend, this.deps.monitor, this.deps.now, () => undefined);
    const sub = backend.onDidChange(() => {
      monitor.sync();
      if (this.bound.get(key)?.backend === backend) this.changes.fire(); // a retiring pool is no longer shown
    });
    this.deps.log.info(`starting an executor under '${key}' for the plugins bound to it`);
    const started = backend.start().then(() => monitor.start());
    const b: Bound = { key, backend, monitor, signature, started, sub, inFlight: 0, idleTimer: undefined };
    this.bound.set(key, b);
    this.stops.delete(key);
    this.changes.fire();
    return b;
  }

  private busy(b: Bound): void {
    this.lastUse.set(b.key, this.deps.wall());
    b.inFlight++;
    clearTimeout(b.idleTimer);
    b.idleTimer = undefined;
  }

  private idle(b: Bound): void {
    this.lastUse.set(b.key, this.deps.wall());
    if (--b.inFlight > 0 || this.bound.get(b.key) !== b) return;
    clearTimeout(b.idleTimer);
    const seconds = this.deps.settings().executor.bound_idle_seconds;
    b.idleTimer = setTimeout(() => {
      if (b.inFlight > 0 || this.bound.get(b.key) !== b) return;
      this.retire(b, `idle for ${seconds} s (executor.bound_idle_seconds)`, true, true);
    }, seconds * 1000);
    b.idleTimer.unref();
  }

  /** Stops `b` once its calls are done (bounded); new calls start a fresh one. */
  private retire(b: Bound, why: string, drain = true, idle = false): void {
    if (this.bound.get(b.key) === b) {
      this.bound.delete(b.key);
      this.stops.set(b.key, { at: this.deps.wall(), reason: why, idle });
    }
    this.changes.fire();
    clearTimeout(b.idleTimer);
    this.deps.log.info(`stopping the executor under '${b.key}': ${why}`);
    const done = (async () => {
      await b.started.catch(() => undefined);
      const ep = b.backend.snapshot().current;
      if (ep && drain) await ep.leases.drained(this.deps.drainMs());
      b.monitor.stop();
      await b.backend.stop();
      b.sub.dispose();
    })()
      .catch((err: unknown) => this.deps.log.error(`stopping the executor under '${b.key}' failed: ${errorMessage(err)}`))
      .finally(() => this.retiring.delete(b));
    this.retiring.set(b, done);
  }

  /** After a config edit: retire what is no longer bound, or was started with other settings. */
  configChanged(): void {
    const s = this.deps.settings();
    const wanted = new Set(Object.values(s.plugins.settings).map((p) => p.interpreter));
    for (const b of [...this.bound.values()]) {
      if (s.executor.mode === 'external') this.retire(b, 'executor.mode is external');
      else if (!wanted.has(b.key)) this.retire(b, 'no plugin is bound to it any more');
      else if (this.signature(b.key) !== b.signature) this.retire(b, 'its interpreter entry or the executor settings changed');
    }
    this.changes.fire(); // bindings may have changed
  }

  /** Stops every bound executor (the app stops). */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const b of [...this.bound.values()]) this.retire(b, 'the app stops', false);
    // one still draining stops now too: its calls fail as the active executor's do
    await Promise.all([...this.retiring.keys()].map((b) => b.backend.stop()));
    await Promise.all([...this.retiring.values()]);
  }
}
