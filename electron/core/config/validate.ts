import { isMap, isPair, isScalar, LineCounter, parseDocument, type Document } from 'yaml';
import type { TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import type { ConfigIssue } from '../../../shared/dto/config.js';
import { INTERPRETER_NAME_PATTERN } from '../../../shared/dto/common.js';
import { ConfigFileSchema, type ConfigFile } from './schema.js';
import { describeErrors, formatPath, type Segment } from '../schema-errors.js';

const checker = Compile(ConfigFileSchema);

export interface ParsedConfig {
  doc: Document;
  data: ConfigFile;
  errors: ConfigIssue[];
  warnings: ConfigIssue[];
}

function lineOf(doc: Document, counter: LineCounter, path: Segment[], keyOnly = false): number | null {
  for (let n = path.length; n >= 0; n--) {
    const parentPath = path.slice(0, Math.max(0, n - 1));
    const last = path[n - 1];
    if (n > 0 && (keyOnly || n < path.length)) {
      const parent = parentPath.length === 0 ? doc.contents : doc.getIn(parentPath, true);
      if (isMap(parent)) {
        const pair = parent.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(last));
        const range = pair && isScalar(pair.key) ? pair.key.range : undefined;
        if (range) return counter.linePos(range[0]).line;
      }
    }
    const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
    const range = (node as { range?: [number, number, number] } | null)?.range;
    if (range) return counter.linePos(range[0]).line;
  }
  return null;
}

function schemaErrors(doc: Document, counter: LineCounter, data: unknown): ConfigIssue[] {
  return describeErrors(checker.Errors(data)).map(({ path, message }) => ({
    path: formatPath(path),
    message,
    line: lineOf(doc, counter, path),
  }));
}

interface SchemaNode {
  properties?: Record<string, SchemaNode>;
  patternProperties?: Record<string, SchemaNode>;
  anyOf?: SchemaNode[];
}

/** Keys the schema does not know: reported as warnings, never dropped from the file. */
function unknownKeys(value: unknown, schema: SchemaNode, path: Segment[], out: Segment[][]): void {
  if (schema.anyOf) {
    const objectBranch = schema.anyOf.find((s) => s.properties || s.patternProperties);
    if (objectBranch) unknownKeys(value, objectBranch, path, out);
    return;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return;
  for (const [key, child] of Object.entries(value)) {
    const known = schema.properties?.[key];
    if (known) {
      unknownKeys(child, known, [...path, key], out);
    } else if (schema.patternProperties) {
      const inner = Object.values(schema.patternProperties)[0];
      if (inner) unknownKeys(child, inner, [...path, key], out);
    } else if (schema.properties) {
      out.push([...path, key]);
    }
  }
}

const NAME_RE = new RegExp(INTERPRETER_NAME_PATTERN);

function nameErrors(doc: Document, counter: LineCounter, data: ConfigFile): ConfigIssue[] {
  const map = data.python?.interpreters;
  if (!map || typeof map !== 'object') return [];
  return Object.keys(map)
    .filter((k) => !NAME_RE.test(k))
    .map((k) => {
      const path = ['python', 'interpreters', k];
      return {
        path: formatPath(path),
        message: `invalid interpreter name '${k}' (letters, digits, '.', '_' and '-', starting with a letter or digit, at most 64)`,
        line: lineOf(doc, counter, path, true),
      };
    });
}

/** Parses and checks a config text. Never throws: problems come back as errors and warnings. */
export function parseConfig(text: string): ParsedConfig {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const errors = doc.errors.map((e) => ({
      path: '(yaml)',
      message: e.message.split('\n')[0] ?? e.message,
      line: counter.linePos(e.pos[0]).line,
    }));
    return { doc, data: {}, errors, warnings: [] };
  }
  const raw: unknown = doc.toJS() ?? {};
  const python = (raw as { python?: { interpreters?: unknown } } | null)?.python;
  if (python && typeof python === 'object' && python.interpreters === null) delete python.interpreters;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { doc, data: {}, errors: [{ path: '(root)', message: 'expected a mapping at the top level', line: 1 }], warnings: [] };
  }
  const errors = [...schemaErrors(doc, counter, raw), ...nameErrors(doc, counter, raw as ConfigFile)];
  const unknown: Segment[][] = [];
  unknownKeys(raw, ConfigFileSchema as TSchema as SchemaNode, [], unknown);
  const warnings = unknown.map((p) => ({
    path: formatPath(p),
    message: 'unknown key (kept in the file, ignored by the app)',
    line: lineOf(doc, counter, p, true),
  }));
  return { doc, data: raw as ConfigFile, errors, warnings };
}

export function issueToString(i: ConfigIssue): string {
  return `${i.path}: ${i.message}${i.line !== null ? ` (line ${i.line})` : ''}`;
}
