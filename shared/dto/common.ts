import { Type, type Static } from 'typebox';

/** A registry name: the YAML key under python.interpreters, used in URLs. */
export const INTERPRETER_NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$';
export const InterpreterNameSchema = Type.String({ pattern: INTERPRETER_NAME_PATTERN, description: 'Registry key' });

/** Environment variable names that may be passed to an interpreter. */
export const ENV_NAME_PATTERN = '^[A-Za-z_][A-Za-z0-9_]{0,127}$';

export const NullableString = Type.Union([Type.String(), Type.Null()]);
export const NullableNumber = Type.Union([Type.Number(), Type.Null()]);

export const EmptyInputSchema = Type.Object({}, { additionalProperties: false });
export type EmptyInput = Static<typeof EmptyInputSchema>;

export const NameInputSchema = Type.Object({ name: InterpreterNameSchema }, { additionalProperties: false });
export type NameInput = Static<typeof NameInputSchema>;

/** Secret-looking environment names: their values are masked in every answer and log. */
export const SECRET_NAME_PATTERN = /(TOKEN|KEY|SECRET|PASSWORD|PASSWD|PASS|CREDENTIAL|AUTH|PRIVATE|SESSION|COOKIE)/i;
export const MASK = '••••••';

export function looksSecret(name: string): boolean {
  return SECRET_NAME_PATTERN.test(name);
}
