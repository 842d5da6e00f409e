import { Type, type Static } from 'typebox';
import { InterpreterNameSchema, NullableNumber, NullableString } from './common.js';
import { InboxStatusSchema } from './deliveries.js';

export const ConnectionStateSchema = Type.Union([
  Type.Literal('connecting'),
  Type.Literal('connected'),
  Type.Literal('reconnecting'),
  Type.Literal('disconnected'),
  Type.Literal('failed'),
]);
export type ConnectionState = Static<typeof ConnectionStateSchema>;

export const RequestStatsSchema = Type.Object({
  total: Type.Integer(),
  failed: Type.Integer(),
  in_flight: Type.Integer(),
  p50_ms: NullableNumber,
  p99_ms: NullableNumber,
});
export type RequestStats = Static<typeof RequestStatsSchema>;

/** One executor process of the pool (spawn mode). */
export const ExecutorProcessStateSchema = Type.Union([
  Type.Literal('starting'),
  Type.Literal('serving'),
  /** Missed its health probes: takes no new calls, is being killed and restarted. */
  Type.Literal('unhealthy'),
  /** Crashed or failed to start: waiting for (or running) its restart. */
  Type.Literal('restarting'),
  /** Gave up (a permanent start failure, or too many failures within executor.restart_window). */
  Type.Literal('failed'),
]);
export type ExecutorProcessState = Static<typeof ExecutorProcessStateSchema>;

export const ExecutorProcessSchema = Type.Object({
  /** Its place in the pool, 0..size-1 (a restarted process keeps its index). */
  index: Type.Integer(),
  pid: Type.Union([Type.Integer(), Type.Null()]),
  generation: Type.Integer(),
  state: ExecutorProcessStateSchema,
  /** Calls the bridge has on it now. */
  in_flight: Type.Integer(),
  /** Automatic restarts of this process (crash or hang). */
  restarts: Type.Integer(),
  started_at: NullableString,
  last_error: NullableString,
});
export type ExecutorProcess = Static<typeof ExecutorProcessSchema>;

/**
 * The executor pool under the running interpreter (`executor.workers` processes). Spawn mode only:
 * in external mode `size` is 0 and `processes` is empty.
 */
export const ExecutorPoolSchema = Type.Object({
  size: Type.Integer(),
  serving: Type.Integer(),
  processes: Type.Array(ExecutorProcessSchema),
});
export type ExecutorPool = Static<typeof ExecutorPoolSchema>;

/**
 * What an executor pool of a bound interpreter is doing. `starting`: its pool starts (first use);
 * `serving`; `failing`: no process serves (restarting, gave up, or the interpreter cannot run
 * plugins: `last_error` says why); `idle-stopped`: stopped after `executor.bound_idle_seconds`
 * without calls; `stopped`: not running for another reason (`stop_reason`: not started yet, its
 * entry or the executor settings changed…). A stopped pool starts again on the next call.
 */
export const BoundExecutorStateSchema = Type.Union([
  Type.Literal('starting'),
  Type.Literal('serving'),
  Type.Literal('failing'),
  Type.Literal('idle-stopped'),
  Type.Literal('stopped'),
]);
export type BoundExecutorState = Static<typeof BoundExecutorStateSchema>;

/** The executor pool of an interpreter that plugins are bound to (`plugins.settings.<name>.interpreter`). */
export const BoundExecutorSchema = Type.Object({
  /** The interpreter's registry key. */
  interpreter: Type.String(),
  interpreter_path: NullableString,
  /** The plugins bound to it (sorted); empty for a pool a replay started. */
  plugins: Type.Array(Type.String()),
  state: BoundExecutorStateSchema,
  /** Its processes (`executor.workers`); empty while stopped. */
  pool: ExecutorPoolSchema,
  /** Calls routed to it now (waiting for a process included). */
  in_flight: Type.Integer(),
  /** When a call last started or finished on it (this run of the app), or null. */
  last_used: NullableString,
  /** When it stopped last, and why (null while running or never started). */
  stopped_at: NullableString,
  stop_reason: NullableString,
  last_error: NullableString,
});
export type BoundExecutor = Static<typeof BoundExecutorSchema>;

export const ConnectionStatusSchema = Type.Object({
  revision: Type.Integer(),
  state: ConnectionStateSchema,
  mode: Type.Union([Type.Literal('spawn'), Type.Literal('external')]),
  interpreter: NullableString,
  interpreter_path: NullableString,
  pid: Type.Union([Type.Integer(), Type.Null()]),
  generation: Type.Integer(),
  address: NullableString,
  started_at: NullableString,
  uptime_s: NullableNumber,
  restarts: Type.Integer(),
  last_error: NullableString,
  stderr_tail: Type.Array(Type.String()),
  health_latency_ms: NullableNumber,
  /** Set while a switch to another interpreter is in progress. */
  switching_to: NullableString,
  requests: RequestStatsSchema,
  /** Each process of the pool; the fields above describe the first serving one (pid, address…), restarts the pool's total. */
  pool: ExecutorPoolSchema,
  /**
   * The executor pools of interpreters plugins are bound to (spawn mode; empty in external mode):
   * every bound interpreter other than the running one, and any such pool still running.
   */
  bound: Type.Array(BoundExecutorSchema),
  /** Whether deliveries are being recorded in the inbox (failing: the store cannot write, webhooks are still served). */
  inbox: Type.Optional(InboxStatusSchema),
});
export type ConnectionStatus = Static<typeof ConnectionStatusSchema>;

export const ReconnectInputSchema = Type.Object(
  { interpreter: Type.Optional(InterpreterNameSchema) },
  { additionalProperties: false },
);
export type ReconnectInput = Static<typeof ReconnectInputSchema>;

export const ConnectionTestSchema = Type.Object({
  ok: Type.Boolean(),
  status: Type.String({ description: 'Health status: SERVING, NOT_SERVING, UNREACHABLE…' }),
  probes: Type.Integer(),
  latency_ms: Type.Object({ min: NullableNumber, median: NullableNumber, max: NullableNumber }),
  executor: Type.Object({
    pid: Type.Union([Type.Integer(), Type.Null()]),
    address: NullableString,
    python_version: NullableString,
    implementation: NullableString,
    executable: NullableString,
    plugins: Type.Union([Type.Integer(), Type.Null()]),
  }),
  error: NullableString,
});
export type ConnectionTest = Static<typeof ConnectionTestSchema>;
