/**
 * An edit in two halves, so the costly half runs off the event loop (issue 12, B2):
 *   - recordEdit() (event loop): runs the caller's mutation on a cheap stand-in Document built from
 *     the parsed settings (no parse of the text), and records the changes it makes;
 *   - applyEditOps() (the parse worker for large files, see checker.ts): parses the text, replays
 *     the changes, prints, keeps untouched lines byte for byte (minimal-edit.ts) and checks the
 *     result.
 * Mutations change the Document through setIn/deleteIn/set/delete (and read it with getIn, get,
 * hasIn, has, createNode); a change made any other way (editing a node in place) is not recorded.
 */
import { Document, isNode } from 'yaml';
import type { CheckedConfig } from './checker.js';
import { applyMinimalEdit } from './minimal-edit.js';
import { parseConfig } from './validate.js';

type Path = unknown[];
/** One recorded change. A value that was a yaml node travels as plain data and is made a node again. */
export type EditOp = { op: 'set'; path: Path; value: unknown; node: boolean } | { op: 'delete'; path: Path };

export type EditOutcome = { ok: true; next: string; check: CheckedConfig } | { ok: false; message: string };

const PRINT = { lineWidth: 0 } as const;

/** Runs `mutate` on a stand-in built from `data` (the file's parsed contents); answers its result and its changes. */
export function recordEdit<T>(data: unknown, mutate: (doc: Document) => T): { result: T; ops: EditOp[] } {
  const shadow = new Document(data);
  const ops: EditOp[] = [];
  const set = (path: Path, value: unknown): void => {
    ops.push(isNode(value) ? { op: 'set', path: [...path], value: value.toJSON(), node: true } : { op: 'set', path: [...path], value: structuredClone(value), node: false });
  };
  const proxy = new Proxy(shadow, {
    get(target, prop) {
      switch (prop) {
        case 'setIn':
          return (path: Iterable<unknown>, value: unknown) => {
            set([...path], value);
            target.setIn([...path], value);
          };
        case 'set':
          return (key: unknown, value: unknown) => {
            set([key], value);
            target.set(key, value);
          };
        case 'deleteIn':
          return (path: Iterable<unknown>) => {
            ops.push({ op: 'delete', path: [...path] });
            return target.deleteIn([...path]);
          };
        case 'delete':
          return (key: unknown) => {
            ops.push({ op: 'delete', path: [key] });
            return target.delete(key);
          };
        default: {
          const v: unknown = Reflect.get(target, prop, target);
          return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
        }
      }
    },
  });
  return { result: mutate(proxy), ops };
}

/** Parses `text` (a valid config), replays `ops`, and answers the minimally edited text and its check. */
export function applyEditOps(text: string, ops: EditOp[]): EditOutcome {
  const { doc, errors } = parseConfig(text);
  if (errors.length > 0) return { ok: false, message: `the config file changed and is invalid: ${errors[0]?.message ?? ''}` };
  const reprinted = doc.toString(PRINT);
  try {
    for (const o of ops) {
      if (o.op === 'delete') doc.deleteIn(o.path);
      else doc.setIn(o.path, o.node ? doc.createNode(o.value) : o.value);
    }
  } catch (err) {
    return { ok: false, message: (err as Error).message };
  }
  const next = applyMinimalEdit(text, reprinted, doc.toString(PRINT));
  const { data, errors: nextErrors, warnings } = parseConfig(next);
  return { ok: true, next, check: { data, errors: nextErrors, warnings } };
}
