/**
 * The core's Prometheus metrics (served as `GET /metrics` by the REST adapter): one `prom-client`
 * Registry per core, never the library's global one, fed by the gateway's `CallSignals` and read
 * from the executor's connection status at each scrape.
 *
 *   webhook_bridge_webhooks_total{plugin,status_class}          counter    calls answered, by 2xx/3xx/4xx/5xx
 *   webhook_bridge_webhook_duration_seconds{plugin}              histogram  call latency in the core (lease + executor)
 *   webhook_bridge_webhooks_in_flight                            gauge      calls under way
 *   webhook_bridge_webhooks_waiting                              gauge      queue depth: calls waiting for a ready executor
 *   webhook_bridge_executor_switch_duration_seconds{outcome}     histogram  live switches to another interpreter
 *   webhook_bridge_executor_state{state}                         gauge      1 for the connection's state, 0 for the others
 *   webhook_bridge_executor_restarts_total                       counter    automatic restarts after a crash or hang
 *   webhook_bridge_executor_pool_processes{interpreter,pool,state}   gauge  processes of each pool (executor.workers) by state
 *   webhook_bridge_executor_process_state{interpreter,pool,process,state} gauge  per pool process: 1 for its state, 0 for the others
 *   webhook_bridge_executor_process_pid{interpreter,pool,process}    gauge    per pool process: its pid (absent while it has none)
 *   webhook_bridge_executor_process_restarts_total{interpreter,pool,process} counter per pool process: automatic restarts (crash or hang)
 *   webhook_bridge_executor_process_in_flight{interpreter,pool,process} gauge per pool process: calls under way on it
 *   webhook_bridge_bound_executor_state{interpreter,state}          gauge    per bound interpreter: 1 for its pool's state, 0 for the others
 *   webhook_bridge_bound_executor_last_use_seconds{interpreter}     gauge    per bound interpreter: Unix time of its last call (absent before one)
 *
 * `pool` is `active` for the active interpreter's pool and `bound` for the pool of an interpreter a
 * plugin is bound to (`plugins.settings.<name>.interpreter`, started on first use, stopped when
 * idle); `interpreter` is the pool's interpreter key. `process` is the process's place in its pool
 * (0..executor.workers-1), which a restart keeps. A stopped bound pool has no process series, only
 * its `bound_executor_state`. External mode runs no processes of its own: only the executor_state
 * and restarts series show it.
 *
 * Plugin names come from URLs, so their label values are bounded: a name the executor does not know
 * is counted as `(unknown)`, and past `maxPlugins` distinct names as `(other)`.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ConnectionState, ConnectionStatus } from '../../../shared/dto/connection.js';
import type { Disposable } from '../events.js';
import type { CallSignals, FinishedCall } from '../executor/call-signals.js';
import { BOUND_STATES, executorProcesses, processLabels, PROCESS_STATES } from './processes.js';

export interface MetricsDeps {
  signals: CallSignals;
  /** The executor's connection status, read at each scrape. */
  status: () => ConnectionStatus;
  /** Distinct plugin label values kept before the rest count as `(other)` (default 200). */
  maxPlugins?: number;
}

export interface Metrics extends Disposable {
  /** The Content-Type of `render()`'s text (Prometheus text format 0.0.4). */
  readonly contentType: string;
  /** The exposition text of every metric, as of now. */
  render(): Promise<string>;
}

const STATES: readonly ConnectionState[] = ['connecting', 'connected', 'reconnecting', 'disconnected', 'failed'];
/** Seconds: a no-op webhook takes about a millisecond, a plugin may take up to `executor.timeout`. */
const CALL_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
/** Seconds: a switch is a cold start of the new executor plus the cut-over. */
const SWITCH_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30];

export const UNKNOWN_PLUGIN = '(unknown)';
export const OTHER_PLUGINS = '(other)';

export function statusClass(status: number): string {
  return status >= 100 && status <= 599 ? `${Math.floor(status / 100)}xx` : 'other';
}

export function createMetrics(deps: MetricsDeps): Metrics {
  const registry = new Registry();
  const registers = [registry];
  const maxPlugins = deps.maxPlugins ?? 200;
  const seen = new Set<string>();
  const pluginLabel = (call: FinishedCall): string => {
    if (!call.knownPlugin) return UNKNOWN_PLUGIN;
    if (seen.has(call.plugin)) return call.plugin;
    if (seen.size >= maxPlugins) return OTHER_PLUGINS;
    seen.add(call.plugin);
    return call.plugin;
  };

  const calls = new Counter({ name: 'webhook_bridge_webhooks_total', help: 'Webhook calls answered, by plugin and HTTP status class', labelNames: ['plugin', 'status_class'], registers });
  const latency = new Histogram({
    name: 'webhook_bridge_webhook_duration_seconds',
    help: 'Time from the call reaching the core to its answer (waiting for a ready executor included), by plugin',
    labelNames: ['plugin'],
    buckets: CALL_BUCKETS,
    registers,
  });
  new Gauge({ name: 'webhook_bridge_webhooks_in_flight', help: 'Webhook calls under way', registers, collect() { this.set(deps.signals.inFlight); } });
  new Gauge({ name: 'webhook_bridge_webhooks_waiting', help: 'Queue depth: webhook calls waiting for a ready executor', registers, collect() { this.set(deps.signals.waiting); } });
  const switches = new Histogram({ name: 'webhook_bridge_executor_switch_duration_seconds', help: 'Live switches of the executor to another interpreter, by outcome', labelNames: ['outcome'], buckets: SWITCH_BUCKETS, registers });
  new Gauge({
    name: 'webhook_bridge_executor_state',
    help: "1 for the executor connection's state, 0 for the others",
    labelNames: ['state'],
    registers,
    collect() {
      const now = deps.status().state;
      for (const s of STATES) this.set({ state: s }, s === now ? 1 : 0);
    },
  });
  new Counter({
    name: 'webhook_bridge_executor_restarts_total',
    help: 'Automatic restarts of the executor after a crash or a hang',
    registers,
    collect() {
      this.reset();
      this.inc(deps.status().restarts);
    },
  });
  new Gauge({
    name: 'webhook_bridge_executor_pool_processes',
    help: 'Processes of each executor pool (executor.workers), by interpreter, pool (active or bound) and state',
    labelNames: ['interpreter', 'pool', 'state'],
    registers,
    collect() {
      this.reset();
      const status = deps.status();
      const procs = executorProcesses(status);
      const pools = new Map<string, { interpreter: string; pool: 'active' | 'bound' }>();
      if (status.mode === 'spawn') pools.set(`active/${status.interpreter ?? ''}`, { interpreter: status.interpreter ?? '', pool: 'active' });
      for (const p of procs) pools.set(`${p.pool}/${p.interpreter}`, { interpreter: p.interpreter, pool: p.pool });
      for (const pool of pools.values()) {
        const mine = procs.filter((p) => p.pool === pool.pool && p.interpreter === pool.interpreter);
        for (const s of PROCESS_STATES) this.set({ ...pool, state: s }, mine.filter((p) => p.state === s).length);
      }
    },
  });
  new Gauge({
    name: 'webhook_bridge_executor_process_state',
    help: 'Per executor pool process: 1 for its state, 0 for the others',
    labelNames: ['interpreter', 'pool', 'process', 'state'],
    registers,
    collect() {
      this.reset();
      for (const p of executorProcesses(deps.status())) for (const s of PROCESS_STATES) this.set({ ...processLabels(p), state: s }, s === p.state ? 1 : 0);
    },
  });
  new Gauge({
    name: 'webhook_bridge_executor_process_pid',
    help: 'Per executor pool process: its pid (absent while it has none)',
    labelNames: ['interpreter', 'pool', 'process'],
    registers,
    collect() {
      this.reset();
      for (const p of executorProcesses(deps.status())) if (p.pid !== null) this.set(processLabels(p), p.pid);
    },
  });
  new Counter({
    name: 'webhook_bridge_executor_process_restarts_total',
    help: 'Automatic restarts of each executor process',
    labelNames: ['interpreter', 'pool', 'process'],
    registers,
    collect() {
      this.reset();
      for (const p of executorProcesses(deps.status())) this.inc(processLabels(p), p.restarts);
    },
  });
  new Gauge({
    name: 'webhook_bridge_executor_process_in_flight',
    help: 'Calls under way on each executor process',
    labelNames: ['interpreter', 'pool', 'process'],
    registers,
    collect() {
      this.reset();
      for (const p of executorProcesses(deps.status())) this.set(processLabels(p), p.inFlight);
    },
  });
  new Gauge({
    name: 'webhook_bridge_bound_executor_state',
    help: "Per interpreter a plugin is bound to: 1 for its executor pool's state (starting, serving, failing, idle-stopped, stopped), 0 for the others",
    labelNames: ['interpreter', 'state'],
    registers,
    collect() {
      this.reset();
      for (const b of deps.status().bound) for (const s of BOUND_STATES) this.set({ interpreter: b.interpreter, state: s }, s === b.state ? 1 : 0);
    },
  });
  new Gauge({
    name: 'webhook_bridge_bound_executor_last_use_seconds',
    help: 'Per interpreter a plugin is bound to: Unix time in seconds of the last call that started or finished on its pool (absent before one)',
    labelNames: ['interpreter'],
    registers,
    collect() {
      this.reset();
      for (const b of deps.status().bound) if (b.last_used !== null) this.set({ interpreter: b.interpreter }, Date.parse(b.last_used) / 1000);
    },
  });

  const subs = [
    deps.signals.onDidFinishCall((call) => {
      const plugin = pluginLabel(call);
      calls.inc({ plugin, status_class: statusClass(call.status) });
      latency.observe({ plugin }, call.durationMs / 1000);
    }),
    deps.signals.onDidFinishSwitch((s) => switches.observe({ outcome: s.outcome }, s.durationMs / 1000)),
  ];

  return {
    contentType: registry.contentType,
    render: () => registry.metrics(),
    dispose() {
      for (const s of subs) s.dispose();
      registry.clear();
    },
  };
}
