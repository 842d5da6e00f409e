/**
 * Concrete requests for every operation of the contract, so that suites iterating over them cover
 * new endpoints without being edited.
 */
import { Value } from 'typebox/value';
import type { TObject, TSchema } from 'typebox';
import { operationNames, operations, type OperationName } from '../../shared/contract.js';

export interface ContractRoute {
  name: OperationName;
  method: string;
  /** Path with `{param}`s filled by `fill`. */
  path: string;
  auth: boolean;
  params: string[];
  /** Everything but GET may change something. */
  mutating: boolean;
}

/** The `{param}` names of a contract path, in order. */
export function pathParams(p: string): string[] {
  return [...p.matchAll(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g)].map((m) => m[1] as string);
}

/** The input schema's property schemas (every operation input is an object). */
export function inputProperties(name: OperationName): Record<string, TSchema> {
  return ((operations[name].input as unknown as TObject).properties ?? {}) as Record<string, TSchema>;
}

/**
 * A value for path parameter `param` of operation `name`: the first of `candidates` its schema
 * accepts (so interpreter names get `other`, plugin names `echo`, job ids `job1`).
 */
export function sampleParam(name: OperationName, param: string, candidates: readonly string[] = ['other', 'echo', 'job1', 'x', '01JD0000000000000000000000']): string {
  const schema = inputProperties(name)[param];
  const found = candidates.find((c) => schema === undefined || Value.Check(schema, c));
  if (found === undefined) throw new Error(`no sample value for ${name}.${param}`);
  return found;
}

export function fillPath(p: string, values: Record<string, string>): string {
  return p.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, k: string) => {
    const v = values[k];
    if (v === undefined) throw new Error(`no value for {${k}} in ${p}`);
    return v;
  });
}

/** One request per contract operation, with sample path parameters. */
export function contractRoutes(candidates?: readonly string[]): ContractRoute[] {
  return operationNames.map((name) => {
    const op = operations[name];
    const params = pathParams(op.path);
    const values = Object.fromEntries(params.map((p) => [p, sampleParam(name, p, candidates)]));
    return { name, method: op.method, path: fillPath(op.path, values), auth: op.auth, params, mutating: op.method !== 'GET' };
  });
}
