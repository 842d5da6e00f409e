/** Plain-words messages for JSON-schema validation errors (config file and API input alike). */

export type Segment = string | number;

export interface SchemaError {
  keyword: string;
  instancePath: string;
  params: unknown;
  message: string;
}

const TYPE_WORDS: Record<string, string> = {
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'true or false',
  object: 'an object',
  array: 'a list',
  null: 'null',
};

export function pointerToPath(pointer: string): Segment[] {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

export function formatPath(path: Segment[]): string {
  return path.length === 0 ? '(root)' : path.map(String).join('.');
}

/**
 * Groups errors by location and words each once: `field.path: expected a string`. Union failures
 * list the allowed constants; `anyOf` summaries are dropped when a branch said something precise.
 */
export function describeErrors(errors: Iterable<SchemaError>): { path: Segment[]; message: string }[] {
  const all = [...errors];
  const allowed = new Map<string, unknown[]>();
  for (const e of all) {
    if (e.keyword !== 'const') continue;
    allowed.set(e.instancePath, [...(allowed.get(e.instancePath) ?? []), (e.params as Record<string, unknown>)['allowedValue']]);
  }
  const out = new Map<string, { path: Segment[]; message: string }>();
  for (const e of all) {
    const p = (e.params ?? {}) as Record<string, unknown>;
    let path = pointerToPath(e.instancePath);
    let message: string;
    switch (e.keyword) {
      case 'anyOf':
      case 'boolean':
        continue;
      case 'additionalProperties': {
        const extra = (p['additionalProperties'] as string[] | undefined) ?? [];
        message = `unknown field(s): ${extra.join(', ')}`;
        break;
      }
      case 'required': {
        const missing = (p['requiredProperties'] as string[] | undefined) ?? [];
        if (missing.length === 1) {
          path = [...path, missing[0] as string];
          message = 'is required';
        } else message = `missing required field(s): ${missing.join(', ')}`;
        break;
      }
      case 'type': {
        const t = p['type'];
        message = `expected ${(Array.isArray(t) ? t : [t]).map((x) => TYPE_WORDS[String(x)] ?? String(x)).join(' or ')}`;
        break;
      }
      case 'pattern':
        message = `does not match ${String(p['pattern'])}`;
        break;
      case 'const':
        message = `expected one of ${(allowed.get(e.instancePath) ?? []).map((v) => JSON.stringify(v)).join(', ')}`;
        break;
      default:
        message = e.message;
    }
    const key = formatPath(path);
    if (!out.has(key)) out.set(key, { path, message });
  }
  if (out.size === 0) {
    for (const e of all.filter((x) => x.keyword === 'anyOf')) {
      const path = pointerToPath(e.instancePath);
      out.set(formatPath(path), { path, message: 'has the wrong type' });
    }
  }
  return [...out.values()];
}
