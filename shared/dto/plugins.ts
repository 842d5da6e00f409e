import { Type, type Static } from 'typebox';
import { InterpreterNameSchema, NullableString } from './common.js';

/**
 * A plugin's name, which is its file's stem: the one rule for the REST routes, the webhook route and
 * the executor (`NAME_PATTERN_SOURCE` in resources/python/webhook_bridge_executor/plugins.py holds
 * the same string; test/integration/executor.test.ts checks that they agree). It starts with a
 * letter or digit because files starting with `_` or `.` are helpers, not plugins; hyphens and a
 * leading digit are fine because the executor loads the file itself instead of `import`ing it.
 */
export const PLUGIN_NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$';

export const PluginInfoSchema = Type.Object({
  name: Type.String(),
  description: Type.String(),
  methods: Type.Array(Type.String()),
  available: Type.Boolean(),
  error: Type.String(),
  source: Type.String(),
  has_secret: Type.Boolean(),
  /** "legacy": written for webhook_bridge 0.6–4.0 (`webhook_bridge.plugin`); null when it did not load far enough to tell. */
  style: Type.Union([Type.Literal('request'), Type.Literal('legacy'), Type.Null()]),
  /** Set when the plugin imports a module the active interpreter lacks: that module and the pip distribution providing it. */
  missing: Type.Union([Type.Object({ module: Type.String(), package: Type.Union([Type.String(), Type.Null()]) }), Type.Null()]),
  /**
   * The interpreter this plugin is bound to (`plugins.settings.<name>.interpreter`): it runs under that
   * interpreter's own executor, and this entry comes from it. Null: the active interpreter runs it.
   */
  interpreter: Type.Union([Type.String(), Type.Null()]),
  /**
   * The plugin class's `ack` attribute: "immediate" (answered 202 at once, run from the durable queue)
   * or "sync"; null when the class does not say. `plugins.settings.<name>.ack` in the config wins over it.
   */
  ack: Type.Union([Type.Literal('immediate'), Type.Literal('sync'), Type.Null()]),
  /** The plugin class's `max_concurrency` attribute: calls run at once; 0 = no limit (or not declared). */
  max_concurrency: Type.Integer({ minimum: 0 }),
});
export type PluginInfo = Static<typeof PluginInfoSchema>;

export const PluginListSchema = Type.Object({ plugins: Type.Array(PluginInfoSchema) });
export type PluginList = Static<typeof PluginListSchema>;

export const PluginNameInputSchema = Type.Object(
  { name: Type.String({ pattern: PLUGIN_NAME_PATTERN }) },
  { additionalProperties: false },
);

/** Binds a plugin to an interpreter (PUT …/plugins/{name}/interpreter). */
export const PluginInterpreterInputSchema = Type.Object(
  {
    name: Type.String({ pattern: PLUGIN_NAME_PATTERN }),
    interpreter: InterpreterNameSchema,
  },
  { additionalProperties: false },
);
export type PluginInterpreterInput = Static<typeof PluginInterpreterInputSchema>;

/** A plugin's interpreter binding after a change: null means the active interpreter runs it. */
export const PluginBindingSchema = Type.Object({
  name: Type.String(),
  interpreter: Type.Union([Type.String(), Type.Null()]),
});
export type PluginBinding = Static<typeof PluginBindingSchema>;

export const HttpMethodSchema = Type.Union([
  Type.Literal('GET'),
  Type.Literal('POST'),
  Type.Literal('PUT'),
  Type.Literal('PATCH'),
  Type.Literal('DELETE'),
]);

/** The dashboard's "send a test request" form. */
export const PluginTestInputSchema = Type.Object(
  {
    name: Type.String({ pattern: PLUGIN_NAME_PATTERN }),
    method: HttpMethodSchema,
    body: Type.Optional(Type.Unknown()),
    query: Type.Optional(Type.String({ maxLength: 8192 })),
  },
  { additionalProperties: false },
);
export type PluginTestInput = Static<typeof PluginTestInputSchema>;

export const PluginTestResultSchema = Type.Object({
  status: Type.Integer(),
  headers: Type.Record(Type.String(), Type.String()),
  body: Type.String(),
  duration_ms: Type.Number(),
  /** The delivery the test request was recorded as (null or absent when recording is off). */
  delivery_id: Type.Optional(NullableString),
});
export type PluginTestResult = Static<typeof PluginTestResultSchema>;
