import { Type, type Static } from 'typebox';
import { InterpreterNameSchema, NullableNumber, NullableString } from './common.js';

export const JobPhaseSchema = Type.Union([
  Type.Literal('queued'),
  Type.Literal('resolving'),
  Type.Literal('downloading'),
  Type.Literal('installing'),
  Type.Literal('verifying'),
  Type.Literal('done'),
]);
export type JobPhase = Static<typeof JobPhaseSchema>;

export const JobSchema = Type.Object({
  id: Type.String(),
  revision: Type.Integer(),
  kind: Type.Union([Type.Literal('install'), Type.Literal('venv')]),
  interpreter: Type.String(),
  phase: JobPhaseSchema,
  percent: NullableNumber,
  /** The tool's output lines (the last few hundred). */
  output: Type.Array(Type.String()),
  warnings: Type.Array(Type.String()),
  state: Type.Union([Type.Literal('running'), Type.Literal('succeeded'), Type.Literal('failed'), Type.Literal('cancelled')]),
  error: NullableString,
  command: Type.Array(Type.String()),
  started_at: Type.String(),
  finished_at: NullableString,
});
export type Job = Static<typeof JobSchema>;

export const InstallInputSchema = Type.Object(
  {
    name: InterpreterNameSchema,
    packages: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 300 }), { maxItems: 100 })),
    /** Install into an externally managed (PEP 668) interpreter anyway. */
    break_system_packages: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type InstallInput = Static<typeof InstallInputSchema>;

export const JobIdInputSchema = Type.Object(
  { id: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' }) },
  { additionalProperties: false },
);
