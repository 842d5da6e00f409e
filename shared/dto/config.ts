import { Type, type Static } from 'typebox';
import { InterpreterNameSchema, NullableString } from './common.js';
import { ConnectionStateSchema } from './connection.js';

export const ValueSourceSchema = Type.Union([Type.Literal('file'), Type.Literal('environment'), Type.Literal('default')]);
export type ValueSource = Static<typeof ValueSourceSchema>;

export const EffectiveValueSchema = Type.Object({
  key: Type.String({ description: 'Dotted key path, e.g. python.active_interpreter' }),
  value: Type.Unknown(),
  source: ValueSourceSchema,
  /** The environment variable that set the value, when source is environment. */
  env: Type.Optional(Type.String()),
  /** What is actually in use when it differs from what was asked (`--port 0` listens on a free port). */
  detail: Type.Optional(Type.String()),
});
export type EffectiveValue = Static<typeof EffectiveValueSchema>;

export const ConfigIssueSchema = Type.Object({
  path: Type.String(),
  message: Type.String(),
  line: Type.Union([Type.Integer(), Type.Null()]),
});
export type ConfigIssue = Static<typeof ConfigIssueSchema>;

export const ConfigViewSchema = Type.Object({
  revision: Type.Integer(),
  path: Type.String(),
  /** False when the file on disk does not parse or validate; the app then runs on the last good config. */
  valid: Type.Boolean(),
  errors: Type.Array(ConfigIssueSchema),
  warnings: Type.Array(ConfigIssueSchema),
  /** Set when the file was last changed outside the app. */
  external_change_at: NullableString,
  loaded_at: Type.String(),
  values: Type.Array(EffectiveValueSchema),
});
export type ConfigView = Static<typeof ConfigViewSchema>;

/**
 * How many plugin calls one executor runs at once and how many wait (config keys
 * `executor.threads`, `executor.queue_size`, `executor.queue_timeout`). A call that finds the queue
 * full, or waits `queue_timeout` seconds without a thread, is answered 503 with Retry-After; busy
 * never counts against the executor's health.
 */
export const ExecutorConcurrencySchema = Type.Object({
  threads: Type.Integer({ minimum: 1, maximum: 512, description: 'plugin calls run at once' }),
  queue_size: Type.Integer({ minimum: 0, maximum: 10_000, description: 'calls that may wait for a thread' }),
  queue_timeout: Type.Number({ exclusiveMinimum: 0, maximum: 3600, description: 'seconds a call may wait for a thread' }),
});
export type ExecutorConcurrency = Static<typeof ExecutorConcurrencySchema>;
/**
 * 64 threads, from measurement (2 cores, loaded; resources/python/README.md): 64 concurrent calls to a
 * plugin sleeping 200 ms took 821 ms with 16 threads, 450 with 32 (two rounds: never ≤ 2 × 200 ms),
 * 276 with 64, 230 with 96. Threads start on demand, so a light load never starts more than it keeps busy.
 */
export const EXECUTOR_CONCURRENCY_DEFAULTS: ExecutorConcurrency = { threads: 64, queue_size: 64, queue_timeout: 10 };

/** Most executor processes one interpreter's pool may run (`executor.workers`). */
export const MAX_EXECUTOR_WORKERS = 32;
/** Processes `executor.workers: auto` starts at most (with fewer CPUs: one per CPU). */
export const AUTO_EXECUTOR_WORKERS_CAP = 4;

/**
 * `executor.workers`: how many executor processes run per interpreter in spawn mode (a whole number,
 * or `auto` = min(CPUs, 4)). External mode runs none of its own, so the key does not apply there.
 */
export const ExecutorWorkersSchema = Type.Union([Type.Integer({ minimum: 1, maximum: MAX_EXECUTOR_WORKERS }), Type.Literal('auto')], {
  description: `executor processes per interpreter (spawn mode): 1-${MAX_EXECUTOR_WORKERS}, or "auto" = min(CPUs, ${AUTO_EXECUTOR_WORKERS_CAP})`,
});
export type ExecutorWorkers = Static<typeof ExecutorWorkersSchema>;

export const LogLevelSchema = Type.Union([
  Type.Literal('debug'),
  Type.Literal('info'),
  Type.Literal('warn'),
  Type.Literal('error'),
]);
export type LogLevel = Static<typeof LogLevelSchema>;

/**
 * The fields PATCH /api/dashboard/config takes, each under its short name and under the dotted key
 * GET shows (`logging_level` or `logging.level`); one spelling per field, or both with one value.
 */
export const CONFIG_PATCH_KEYS = {
  active_interpreter: 'python.active_interpreter',
  venv_path: 'python.venv_path',
  auto_download_uv: 'python.auto_download_uv',
  logging_level: 'logging.level',
  legacy_envelope: 'plugins.legacy_envelope',
} as const;

const VenvPathSchema = Type.String({ minLength: 1, maxLength: 4096 });

/** PATCH /api/dashboard/config: the basic Python settings the dashboard edits. */
export const UpdateConfigInputSchema = Type.Object(
  {
    active_interpreter: Type.Optional(InterpreterNameSchema),
    venv_path: Type.Optional(VenvPathSchema),
    auto_download_uv: Type.Optional(Type.Boolean()),
    logging_level: Type.Optional(LogLevelSchema),
    /** plugins.legacy_envelope: answer webhook_bridge 0.6–4.0 plugins in upstream's envelope. */
    legacy_envelope: Type.Optional(Type.Boolean()),
    'python.active_interpreter': Type.Optional(InterpreterNameSchema),
    'python.venv_path': Type.Optional(VenvPathSchema),
    'python.auto_download_uv': Type.Optional(Type.Boolean()),
    'logging.level': Type.Optional(LogLevelSchema),
    'plugins.legacy_envelope': Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateConfigInput = Static<typeof UpdateConfigInputSchema>;

export const HealthSchema = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('degraded')]),
  version: Type.String(),
  uptime_s: Type.Number(),
  config_valid: Type.Boolean(),
  executor: Type.Object({
    /** The executor connection's state; /health answers 503 unless `serving`. */
    state: ConnectionStateSchema,
    serving: Type.Boolean(),
    interpreter: NullableString,
  }),
});
export type Health = Static<typeof HealthSchema>;
export type ExecutorHealth = Health['executor'];
