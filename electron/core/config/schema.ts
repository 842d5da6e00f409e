import { Type, type Static } from 'typebox';
import { ENV_NAME_PATTERN, INTERPRETER_NAME_PATTERN } from '../../../shared/dto/common.js';
import { EXECUTOR_CONCURRENCY_DEFAULTS, ExecutorConcurrencySchema, ExecutorWorkersSchema, type ExecutorWorkers } from '../../../shared/dto/config.js';

const Str = (description?: string) => Type.String(description ? { description } : {});
const Port = Type.Integer({ minimum: 0, maximum: 65535 });

/** How long a sync call waits for a slot of a plugin at its `max_concurrency` when `max_wait_ms` is not set. */
export const PLUGIN_MAX_WAIT_MS_DEFAULT = 5_000;

/** One plugin's settings (`plugins.settings.<name>`). */
export const PluginSettingsSchema = Type.Object({
  interpreter: Type.Optional(Str('the registry key of the interpreter that runs this plugin (default: the active one)')),
  max_concurrency: Type.Optional(
    Type.Integer({ minimum: 1, maximum: 10_000, description: "calls of this plugin that run at once (wins over the class attribute max_concurrency; default: no limit)" }),
  ),
  max_wait_ms: Type.Optional(
    Type.Integer({ minimum: 0, maximum: 600_000, description: `ms a sync call waits for a free slot before it is answered 503 with Retry-After (default ${PLUGIN_MAX_WAIT_MS_DEFAULT})` }),
  ),
  ack: Type.Optional(
    Type.Union([Type.Literal('sync'), Type.Literal('immediate')], {
      description: 'sync: the sender waits for the plugin\'s answer; immediate: 202 {"delivery_id"} once stored, then run from the durable queue (wins over the class attribute)',
    }),
  ),
  max_attempts: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'runs of an immediate delivery before it is dead (default inbox.max_attempts)' })),
  max_age_seconds: Type.Optional(
    Type.Number({ exclusiveMinimum: 0, maximum: 31_536_000, description: 'how long an immediate delivery is retried after it arrived (default inbox.max_age_seconds)' }),
  ),
});
export type PluginSettings = Static<typeof PluginSettingsSchema>;

export const InterpreterEntrySchema = Type.Object({
  name: Type.Optional(Str('display name')),
  path: Str('path of the python executable'),
  venv_path: Type.Optional(Str()),
  use_uv: Type.Optional(Type.Boolean()),
  required_packages: Type.Optional(Type.Array(Type.String())),
  environment: Type.Optional(Type.Record(Type.String({ pattern: ENV_NAME_PATTERN }), Type.String())),
  validated: Type.Optional(Type.Boolean()),
  last_validated: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  validation_error: Type.Optional(Type.Union([Type.String(), Type.Null()])),
});
export type InterpreterEntry = Static<typeof InterpreterEntrySchema>;

/** The YAML configuration file. Every section and key is optional: defaults fill the gaps. */
export const ConfigFileSchema = Type.Object({
  python: Type.Optional(
    Type.Object({
      interpreter: Type.Optional(Str('legacy single interpreter: "auto" or a path')),
      active_interpreter: Type.Optional(Type.Union([Type.String(), Type.Null()])),
      auto_download_uv: Type.Optional(Type.Boolean()),
      venv_path: Type.Optional(Str()),
      interpreters: Type.Optional(
        Type.Record(Type.String({ pattern: INTERPRETER_NAME_PATTERN }), InterpreterEntrySchema),
      ),
    }),
  ),
  executor: Type.Optional(
    Type.Object({
      mode: Type.Optional(Type.Union([Type.Literal('spawn'), Type.Literal('external')])),
      host: Type.Optional(Str()),
      port: Type.Optional(Port),
      timeout: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 3600 })),
      max_restarts: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })),
      restart_window: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
      threads: Type.Optional(ExecutorConcurrencySchema.properties.threads),
      queue_size: Type.Optional(ExecutorConcurrencySchema.properties.queue_size),
      queue_timeout: Type.Optional(ExecutorConcurrencySchema.properties.queue_timeout),
      bound_idle_seconds: Type.Optional(
        Type.Number({ minimum: 0, maximum: 86400, description: 'seconds an idle executor of a plugin-bound interpreter keeps running (0: stop as soon as idle)' }),
      ),
      workers: Type.Optional(ExecutorWorkersSchema),
      reload_interval_seconds: Type.Optional(
        Type.Number({ minimum: 0, maximum: 3600, description: "seconds between checks of a loaded plugin's file for changes (0: on every call); the executor's --reload-interval" }),
      ),
      max_streams: Type.Optional(
        Type.Integer({ minimum: 1, maximum: 256, description: "webhook streams (ExecuteStream) one executor process serves at once; the executor's --max-streams" }),
      ),
    }),
  ),
  server: Type.Optional(
    Type.Object({
      host: Type.Optional(Str()),
      port: Type.Optional(Port),
      metrics_unauthenticated: Type.Optional(
        Type.Boolean({ description: 'serve GET /metrics without the API token, to loopback clients only, and only while the API listens on a loopback address' }),
      ),
    }),
  ),
  plugins: Type.Optional(
    Type.Object({
      dirs: Type.Optional(Type.Array(Type.String())),
      legacy_envelope: Type.Optional(Type.Boolean({ description: "wrap webhook_bridge 0.6-4.0 plugins' results in upstream's envelope" })),
      legacy_generation: Type.Optional(
        Type.Union([Type.Literal('auto'), Type.Literal(3), Type.Literal(4)], {
          description: "webhook_bridge generation of every 0.6-4.0 plugin: auto (told from the class, else 4), 3 (0.6-3.x: execute() wraps the result) or 4",
        }),
      ),
      settings: Type.Optional(Type.Record(Type.String(), PluginSettingsSchema, { description: 'per-plugin settings, keyed by plugin name' })),
    }),
  ),
  inbox: Type.Optional(
    Type.Object({
      enabled: Type.Optional(Type.Boolean({ description: 'record every delivery in the inbox' })),
      max_deliveries: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000_000 })),
      max_bytes: Type.Optional(Type.Integer({ minimum: 1024 * 1024, description: 'bytes the stored deliveries may take' })),
      max_age_days: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 36_500 })),
      redact_headers: Type.Optional(Type.Array(Type.String({ pattern: "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$" }), { description: 'header names whose values are not kept' })),
      dedup_window_seconds: Type.Optional(
        Type.Integer({ minimum: 0, maximum: 31_536_000, description: 'a delivery whose provider delivery id was seen for the same plugin this many seconds back is not run again (0: off)' }),
      ),
      max_attempts: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'runs of an immediate (ack: immediate) delivery before it is dead' })),
      max_age_seconds: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 31_536_000, description: 'how long an immediate delivery is retried after it arrived' })),
      retry_initial_ms: Type.Optional(Type.Integer({ minimum: 1, maximum: 3_600_000, description: 'backoff before the 2nd attempt (doubling, full jitter)' })),
      retry_max_ms: Type.Optional(Type.Integer({ minimum: 1, maximum: 86_400_000, description: 'the longest backoff between two attempts' })),
    }),
  ),
  logging: Type.Optional(
    Type.Object({
      level: Type.Optional(
        Type.Union([Type.Literal('debug'), Type.Literal('info'), Type.Literal('warn'), Type.Literal('error')]),
      ),
    }),
  ),
});
export type ConfigFile = Static<typeof ConfigFileSchema>;

/** The configuration with every default applied. */
export type LegacyGeneration = 'auto' | 3 | 4;

export interface Settings {
  python: {
    interpreter: string | null;
    active_interpreter: string | null;
    auto_download_uv: boolean;
    venv_path: string;
    interpreters: Record<string, InterpreterEntry>;
  };
  executor: {
    mode: 'spawn' | 'external';
    host: string | null;
    port: number | null;
    timeout: number;
    max_restarts: number;
    restart_window: number;
    threads: number;
    queue_size: number;
    queue_timeout: number;
    /** Seconds an idle executor of a plugin-bound interpreter keeps running. */
    bound_idle_seconds: number;
    /** Executor processes per interpreter (spawn mode); resolve `auto` with workerCount(). */
    workers: ExecutorWorkers;
    /** Seconds between checks of a loaded plugin's file for changes (0: every call); the executor's --reload-interval. */
    reload_interval_seconds: number;
    /** ExecuteStream streams one executor serves at once; the executor's --max-streams. */
    max_streams: number;
  };
  server: { host: string; port: number; metrics_unauthenticated: boolean };
  plugins: {
    dirs: string[];
    legacy_envelope: boolean;
    /** Which webhook_bridge generation the 0.6–4.0 plugins are: told from each class ('auto'), or forced. */
    legacy_generation: LegacyGeneration;
    /** A webhook_bridge config (python.interpreter, no interpreters, no plugins section): upstream's folders apply. */
    upstream_layout: boolean;
    /** Per-plugin settings (`plugins.settings.<name>`): `interpreter` binds the plugin to another interpreter. */
    settings: Record<string, PluginSettings>;
  };
  inbox: {
    enabled: boolean;
    max_deliveries: number;
    max_bytes: number;
    max_age_days: number;
    redact_headers: string[];
    /** Seconds back a provider delivery id counts as seen (dedup); 0 = off. */
    dedup_window_seconds: number;
    /** Immediate (async) deliveries: attempts, age and backoff of the retries (plugins.settings.<name> may override the first two). */
    max_attempts: number;
    max_age_seconds: number;
    retry_initial_ms: number;
    retry_max_ms: number;
  };
  logging: { level: 'debug' | 'info' | 'warn' | 'error' };
}

/** The leaf settings the API reports with their source, and their defaults. */
export const DEFAULTS = {
  'python.interpreter': null,
  'python.active_interpreter': null,
  'python.auto_download_uv': true,
  'python.venv_path': '.venv',
  'executor.mode': 'spawn',
  'executor.host': null,
  'executor.port': null,
  'executor.timeout': 30,
  'executor.max_restarts': 5,
  'executor.restart_window': 60,
  'executor.threads': EXECUTOR_CONCURRENCY_DEFAULTS.threads,
  'executor.queue_size': EXECUTOR_CONCURRENCY_DEFAULTS.queue_size,
  'executor.queue_timeout': EXECUTOR_CONCURRENCY_DEFAULTS.queue_timeout,
  'executor.bound_idle_seconds': 300,
  'executor.workers': 1,
  'executor.reload_interval_seconds': 1,
  'executor.max_streams': 16,
  'server.host': '127.0.0.1',
  'server.port': 8000,
  'server.metrics_unauthenticated': false,
  'plugins.dirs': ['plugins'],
  'plugins.legacy_envelope': true,
  'plugins.legacy_generation': 'auto',
  'inbox.enabled': true,
  'inbox.max_deliveries': 10_000,
  'inbox.max_bytes': 256 * 1024 * 1024,
  'inbox.max_age_days': 30,
  'inbox.redact_headers': ['Authorization', 'Cookie'],
  'inbox.dedup_window_seconds': 86_400,
  'inbox.max_attempts': 8,
  'inbox.max_age_seconds': 86_400,
  'inbox.retry_initial_ms': 1000,
  'inbox.retry_max_ms': 300_000,
  'logging.level': 'info',
} as const satisfies Record<string, unknown>;

export type SettingKey = keyof typeof DEFAULTS;
export const SETTING_KEYS = Object.keys(DEFAULTS) as SettingKey[];

/** What a missing config file is created with. */
export const DEFAULT_CONFIG_TEXT = `# webhook-bridge configuration.
# Edit by hand or from the app; the app keeps your comments and key order.

python:
  # Legacy single interpreter: "auto" (the first Python 3 found) or a path.
  # Used only while no named interpreters are configured below.
  interpreter: "auto"
  # The registry key of the interpreter that runs the executor.
  # active_interpreter: "system-python"
  # Download uv when an interpreter asks for it and none is installed.
  auto_download_uv: true
  # Default virtual environment folder for new interpreters.
  venv_path: ".venv"
  # Named interpreters, keyed by the name used in the API and the tray:
  # interpreters:
  #   system-python:
  #     name: "System Python 3.11"
  #     path: "/usr/bin/python3"
  #     use_uv: false
  #     required_packages: ["grpcio", "protobuf"]
  #     environment: { CUSTOM_VAR: "value" }

executor:
  # spawn: the app starts the executor; external: connect to one you run at host:port.
  mode: "spawn"
  # host and port choose TCP for the spawned executor (a private Unix socket otherwise).
  # host: "127.0.0.1"
  # port: 50051
  timeout: 30
  # Concurrency: plugin calls run at once, calls that may wait for a thread, and how long
  # (seconds). A call that cannot get a thread in time is answered 503 with Retry-After.
  # Threads start on demand; many CPU-bound plugin calls at once are better served by workers.
  # threads: 64
  # queue_size: 64
  # queue_timeout: 10
  # An executor started for a plugin bound to another interpreter (plugins.settings below)
  # stops after this many idle seconds and starts again on the next call.
  # bound_idle_seconds: 300
  # Executor processes per interpreter (spawn mode only): calls go to the least busy one, each is
  # restarted on its own. A number (1-32) or "auto" = one per CPU, at most 4. CPU-bound plugins
  # scale past one Python GIL this way.
  # workers: 1
  # How often (seconds) the executor checks a loaded plugin's file for changes: an edited plugin
  # answers with its new code within this time. 0 = on every call (slower). 0-3600.
  # reload_interval_seconds: 1
  # Webhook streams one executor process serves at once (1-256); the app opens at most 4 per
  # process. A change of either restarts the executor live, like the settings above.
  # max_streams: 16

server:
  host: "127.0.0.1"
  port: 8000
  # GET /metrics (Prometheus text) needs the API token like the rest of the API. true lets
  # loopback clients scrape it without one; ignored unless the API listens on a loopback address.
  # metrics_unauthenticated: false

plugins:
  dirs: ["plugins"]
  # Plugins written for webhook_bridge 0.6-4.0 answer in upstream's envelope
  # {plugin, method, status_code, message, execution_time, timestamp, data, error?, request_id};
  # false: the body is the plugin's result as JSON.
  legacy_envelope: true
  # Which webhook_bridge generation those plugins are: auto (told from each class, else 4.0),
  # 3 (0.6-3.x: data is upstream's {input_data, additional_info, http_method, result,
  # plugin_executed, status}) or 4 (data is the handler's result).
  # legacy_generation: auto
  # Per-plugin settings. interpreter: run that plugin under another configured interpreter
  # (its own executor, started on first use); every other plugin runs under the active one.
  # max_concurrency: calls of that plugin that run at once, in both modes (wins over the
  # plugin's class attribute max_concurrency; default: no limit). Past it, a sync call waits for a
  # free slot up to max_wait_ms (default 5000; 0 = refuse at once) and is then answered 503 with
  # Retry-After; async (ack: immediate) deliveries stay queued until a slot frees. Edits apply live.
  # ack: immediate answers 202 {"delivery_id": ...} as soon as the delivery is stored, then runs it
  # from a durable queue with retries (a 5xx, a timeout, an executor restart, the app killed; never
  # a 4xx) up to max_attempts / max_age_seconds, after which it is dead (retry it by hand on the
  # Deliveries page). ack: sync (the default) makes the sender wait for the plugin's answer. The
  # plugin class's own ack = "immediate" applies when the config does not say.
  # settings:
  #   ml:
  #     interpreter: "ml-venv"
  #     max_concurrency: 2
  #     max_wait_ms: 5000
  #   slow-hook:
  #     ack: immediate
  #     max_attempts: 8          # default inbox.max_attempts
  #     max_age_seconds: 86400   # default inbox.max_age_seconds

inbox:
  # Every delivery (request, response, the plugin's log lines) is kept in a local database in the
  # app's data folder; false turns recording off. The oldest go first past any of the limits.
  enabled: true
  # max_deliveries: 10000
  # max_bytes: 268435456
  # max_age_days: 30
  # Header values replaced by [redacted] before they are stored.
  # redact_headers: ["Authorization", "Cookie"]
  # A delivery whose provider delivery id (X-GitHub-Delivery, X-Gitlab-Event-UUID, Stripe's event
  # id, Slack's event_id, webhook-id, X-Shopify-Webhook-Id) was already received for the same plugin
  # within this many seconds is not run again while the first is running or once it succeeded
  # (2xx/3xx); a failed one runs again. 0 turns it off.
  # dedup_window_seconds: 86400
  # Immediate (ack: immediate) deliveries: attempts before one is dead, how long after it arrived it
  # is retried, and the backoff between attempts (doubling from retry_initial_ms, capped at
  # retry_max_ms, each wait a random time up to that: full jitter). They are kept in the database
  # even with enabled: false, because the database is their queue.
  # max_attempts: 8
  # max_age_seconds: 86400
  # retry_initial_ms: 1000
  # retry_max_ms: 300000

logging:
  level: "info"   # debug, info, warn or error
`;
