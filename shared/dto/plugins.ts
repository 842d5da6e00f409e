import { Type, type Static } from 'typebox';

export const PLUGIN_NAME_PATTERN = '^[A-Za-z_][A-Za-z0-9_-]{0,127}$';

export const PluginInfoSchema = Type.Object({
  name: Type.String(),
  description: Type.String(),
  methods: Type.Array(Type.String()),
  available: Type.Boolean(),
  error: Type.String(),
  source: Type.String(),
  has_secret: Type.Boolean(),
});
export type PluginInfo = Static<typeof PluginInfoSchema>;

export const PluginListSchema = Type.Object({ plugins: Type.Array(PluginInfoSchema) });
export type PluginList = Static<typeof PluginListSchema>;

export const PluginNameInputSchema = Type.Object(
  { name: Type.String({ pattern: PLUGIN_NAME_PATTERN }) },
  { additionalProperties: false },
);

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
});
export type PluginTestResult = Static<typeof PluginTestResultSchema>;
