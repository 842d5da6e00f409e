import { Type, type Static } from 'typebox';
import { ENV_NAME_PATTERN, InterpreterNameSchema, NullableString } from './common.js';

export const InterpreterStatusSchema = Type.Union([
  Type.Literal('unknown'),
  Type.Literal('validating'),
  Type.Literal('ready'),
  Type.Literal('error'),
  Type.Literal('unavailable'),
]);
export type InterpreterStatus = Static<typeof InterpreterStatusSchema>;

const PathString = Type.String({ minLength: 1, maxLength: 4096 });
const PackageName = Type.String({ minLength: 1, maxLength: 200, pattern: '^[A-Za-z0-9][A-Za-z0-9._\\-\\[\\],<>=!~ ;:@/+*\'"]*$' });
const EnvMap = Type.Record(Type.String({ pattern: ENV_NAME_PATTERN }), Type.String({ maxLength: 32768 }), {
  maxProperties: 200,
});

/** Body of POST /api/dashboard/interpreters. */
export const AddInterpreterInputSchema = Type.Object(
  {
    key: InterpreterNameSchema,
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    path: PathString,
    venv_path: Type.Optional(PathString),
    use_uv: Type.Optional(Type.Boolean()),
    required_packages: Type.Optional(Type.Array(PackageName, { maxItems: 200 })),
    environment: Type.Optional(EnvMap),
  },
  { additionalProperties: false },
);
export type AddInterpreterInput = Static<typeof AddInterpreterInputSchema>;

/** One configured interpreter as the API shows it (secret-looking environment values masked). */
export const InterpreterViewSchema = Type.Object({
  key: Type.String(),
  name: Type.String(),
  path: Type.String(),
  venv_path: NullableString,
  /** Only with a venv_path: whether a virtual environment is there (its pyvenv.cfg exists). */
  venv_exists: Type.Optional(Type.Boolean()),
  use_uv: Type.Boolean(),
  required_packages: Type.Array(Type.String()),
  environment: Type.Record(Type.String(), Type.String()),
  active: Type.Boolean(),
  status: InterpreterStatusSchema,
  status_reason: NullableString,
  version: NullableString,
  implementation: NullableString,
  kind: NullableString,
  validated: Type.Union([Type.Boolean(), Type.Null()]),
  last_validated: NullableString,
  validation_error: NullableString,
  /** True for the entry that stands for the legacy `python.interpreter` setting. */
  legacy: Type.Boolean(),
});
export type InterpreterView = Static<typeof InterpreterViewSchema>;

export const InterpreterListSchema = Type.Object({
  revision: Type.Integer(),
  active: NullableString,
  /**
   * The environment variable that pins the active interpreter (WEBHOOK_BRIDGE_ACTIVE_INTERPRETER),
   * or null. While it is set, activating another interpreter is refused (409): the override wins.
   */
  pinned_by: NullableString,
  /** Why no interpreter is active although one is named (a name that matches no entry), or null. */
  active_error: NullableString,
  interpreters: Type.Array(InterpreterViewSchema),
});
export type InterpreterList = Static<typeof InterpreterListSchema>;

export const ActivateResultSchema = Type.Object({
  active: Type.String(),
  previous: NullableString,
  /** Whether a running executor was switched to the new interpreter. */
  switched: Type.Boolean(),
  message: Type.String(),
});
export type ActivateResult = Static<typeof ActivateResultSchema>;

export const RemoveResultSchema = Type.Object({ removed: Type.String() });
export type RemoveResult = Static<typeof RemoveResultSchema>;
