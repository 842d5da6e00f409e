import { CST, isAlias, isMap, isPair, isScalar, isSeq, Lexer, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import type { ConfigIssue } from '../../../shared/dto/config.js';
import { INTERPRETER_NAME_PATTERN } from '../../../shared/dto/common.js';
import { PLUGIN_NAME_PATTERN } from '../../../shared/dto/plugins.js';
import { ConfigFileSchema, type ConfigFile } from './schema.js';
import { describeErrors, formatPath, type Segment } from '../schema-errors.js';
import { workersIgnoredNote, workersProblem } from './workers.js';

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

const PLUGIN_RE = new RegExp(PLUGIN_NAME_PATTERN);

/**
 * `plugins.settings.<name>.interpreter` must name a configured interpreter (`python.interpreters`, or
 * `default` for the legacy `python.interpreter`), and `<name>` must be a plugin name.
 */
function bindingErrors(doc: Document, counter: LineCounter, data: ConfigFile): ConfigIssue[] {
  const settings = data.plugins?.settings;
  if (!settings || typeof settings !== 'object') return [];
  const known = Object.keys(data.python?.interpreters ?? {});
  if (data.python?.interpreter && !known.includes('default')) known.push('default');
  const out: ConfigIssue[] = [];
  for (const [plugin, entry] of Object.entries(settings)) {
    if (!PLUGIN_RE.test(plugin)) {
      const path = ['plugins', 'settings', plugin];
      out.push({ path: formatPath(path), message: `invalid plugin name '${plugin.slice(0, 80)}' (letters, digits, '_' and '-', starting with a letter or digit, at most 64)`, line: lineOf(doc, counter, path, true) });
    }
    const key = (entry as { interpreter?: unknown } | null)?.interpreter;
    if (typeof key !== 'string' || known.includes(key)) continue;
    const path = ['plugins', 'settings', plugin, 'interpreter'];
    const configured = known.map((k) => `'${k}'`).join(', ') || 'none';
    out.push({
      path: formatPath(path),
      message: `plugin '${plugin}' is bound to interpreter '${key.slice(0, 80)}', which is not configured under python.interpreters (configured: ${configured})`,
      line: lineOf(doc, counter, path),
    });
  }
  return out;
}

/** The largest config file the app reads (bytes). Larger is invalid, never parsed. */
export const MAX_CONFIG_BYTES = 1024 * 1024;
/** How many alias expansions (`*name`) a config may make; more is an alias bomb. */
export const MAX_ALIASES = 100;
/**
 * How many YAML nodes (keys, values, list items) a valid config may hold. A real config has a few
 * hundred; the cap keeps the re-parse an edit makes on the event loop short.
 */
export const MAX_NODES = 5000;
/** How deeply flow collections (`[`, `{`) may nest. The parser recurses per level. */
export const MAX_DEPTH = 64;

/** Lexer tokens that stand for no text (document start, flow end, scalar). */
const MARKERS: readonly string[] = [CST.DOCUMENT, CST.FLOW_END, CST.SCALAR];

/**
 * Linear pre-scan with the yaml library's lexer (a state machine, no recursion): the line where
 * flow collections nest deeper than MAX_DEPTH, or that the text holds more than MAX_NODES scalars
 * (every scalar is a key or a value, so such a file has more than MAX_NODES nodes). It stops at the
 * first problem, so a hostile file costs little, and the answer never depends on the machine's
 * speed. The lexer knows quotes, comments and block scalars: a `"` inside a block scalar opens
 * nothing.
 */
function preScan(text: string): { deep: number } | { nodes: true } | null {
  let depth = 0;
  let scalars = 0;
  let offset = 0;
  for (const token of new Lexer().lex(text)) {
    const type = CST.tokenType(token);
    if (type === 'flow-seq-start' || type === 'flow-map-start') {
      if (++depth > MAX_DEPTH) return { deep: lineAt(text, offset) };
    } else if (type === 'flow-seq-end' || type === 'flow-map-end') {
      if (depth > 0) depth--;
    } else if (type === 'scalar' || type === 'single-quoted-scalar' || type === 'double-quoted-scalar') {
      // a plain or block scalar is announced by a marker token, a quoted one is one token
      if (++scalars > MAX_NODES) return { nodes: true };
    }
    if (!MARKERS.includes(token)) offset += token.length;
  }
  return null;
}

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

const issue = (path: string, message: string, line: number | null): ConfigIssue => ({ path, message, line });

/**
 * The yaml library reports an unterminated quote or flow collection at the position where it gave
 * up (the start of the next line, or the end of the file): the line shown is the one after the
 * mistake. Such errors are reported on the line of the last character before that position.
 */
function yamlErrorLine(text: string, counter: LineCounter, code: string, message: string, offset: number): number {
  const quote = /closing (["'])quote/.exec(message)?.[1];
  if (code === 'MISSING_CHAR' && quote !== undefined) {
    const open = text.lastIndexOf(quote, offset - 1);
    if (open >= 0) return counter.linePos(open).line;
  }
  const unterminated = code === 'MISSING_CHAR' || code === 'BAD_INDENT' || code === 'UNEXPECTED_TOKEN';
  const atEnd = text.slice(offset).trim() === '';
  const atLineStart = offset === 0 || text[offset - 1] === '\n';
  if ((unterminated && atLineStart) || atEnd) {
    let i = Math.min(offset, text.length) - 1;
    while (i > 0 && /\s/.test(text[i] as string)) i--;
    if (i >= 0) return counter.linePos(i).line;
  }
  return counter.linePos(offset).line;
}

const TOO_MANY_NODES = issue('(file)', `the config has more than ${MAX_NODES} keys and values: too large for a config file`, null);

/**
 * One walk over the document (no recursion): counts nodes and finds duplicate keys, in linear
 * time. The yaml library's own unique-key check compares every key with every other one.
 */
function structureErrors(doc: Document, counter: LineCounter): ConfigIssue[] {
  const errors: ConfigIssue[] = [];
  const stack: unknown[] = [doc.contents];
  let nodes = 0;
  while (stack.length > 0) {
    const node = stack.pop();
    if (node === null || node === undefined) continue;
    nodes++;
    if (nodes > MAX_NODES) {
      return [TOO_MANY_NODES];
    }
    if (isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        const key = pair.key;
        if (isScalar(key)) {
          const name = String(key.value);
          if (seen.has(name)) {
            errors.push(issue('(yaml)', `duplicate key '${name.slice(0, 80)}' (map keys must be unique)`, key.range ? counter.linePos(key.range[0]).line : null));
          }
          seen.add(name);
        }
        stack.push(key, pair.value);
      }
    } else if (isSeq(node)) {
      for (const item of node.items) stack.push(item);
    }
  }
  return errors;
}

function firstAliasLine(doc: Document, counter: LineCounter): number | null {
  let first = Infinity;
  const stack: unknown[] = [doc.contents];
  while (stack.length > 0) {
    const node = stack.pop() as Node | null | undefined;
    if (isAlias(node)) first = Math.min(first, node.range?.[0] ?? Infinity);
    else if (isMap(node)) for (const p of node.items) stack.push(p.key, p.value);
    else if (isSeq(node)) for (const item of node.items) stack.push(item);
  }
  return first === Infinity ? null : counter.linePos(first).line;
}

/**
 * Parses and checks a config text. Never throws: problems come back as errors and warnings.
 * Larger than MAX_CONFIG_BYTES, more than MAX_NODES nodes or MAX_ALIASES alias expansions is
 * invalid. Parsing is linear in the size of the text; checkConfig() runs it off the event loop.
 */
export function parseConfig(text: string): ParsedConfig {
  const counter = new LineCounter();
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_CONFIG_BYTES) {
    const message = `the file is ${bytes} bytes; a config may be at most ${MAX_CONFIG_BYTES} bytes (1 MiB)`;
    return { doc: parseDocument(''), data: {}, errors: [issue('(file)', message, null)], warnings: [] };
  }
  const scan = preScan(text);
  if (scan !== null) {
    const found = 'deep' in scan ? issue('(yaml)', `lists or maps nested more than ${MAX_DEPTH} levels deep`, scan.deep) : TOO_MANY_NODES;
    return { doc: parseDocument(''), data: {}, errors: [found], warnings: [] };
  }
  let doc: Document;
  try {
    doc = parseDocument(text, { lineCounter: counter, prettyErrors: false, uniqueKeys: false });
  } catch (err) {
    return { doc: parseDocument(''), data: {}, errors: [issue('(yaml)', `cannot parse: ${(err as Error).message}`, null)], warnings: [] };
  }
  if (doc.errors.length > 0) {
    const errors = doc.errors.map((e) => issue('(yaml)', e.message.split('\n')[0] ?? e.message, yamlErrorLine(text, counter, e.code, e.message, e.pos[0])));
    return { doc, data: {}, errors, warnings: [] };
  }
  const structure = structureErrors(doc, counter);
  if (structure.length > 0) return { doc, data: {}, errors: structure, warnings: [] };
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: MAX_ALIASES }) ?? {};
  } catch (err) {
    // an alias bomb (too many expansions), an alias to an anchor that does not exist, a cycle
    const message = (err as Error).message.split('\n')[0] ?? '';
    const why = /alias count/i.test(message) ? `more than ${MAX_ALIASES} alias expansions (*name): too many for a config file` : `aliases (*name): ${message}`;
    return { doc, data: {}, errors: [issue('(yaml)', why, firstAliasLine(doc, counter))], warnings: [] };
  }
  const python = (raw as { python?: { interpreters?: unknown } } | null)?.python;
  if (python && typeof python === 'object' && python.interpreters === null) delete python.interpreters;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { doc, data: {}, errors: [issue('(root)', 'expected a mapping at the top level', 1)], warnings: [] };
  }
  const executor = (raw as { executor?: { mode?: unknown; workers?: unknown } }).executor;
  const workers = typeof executor === 'object' && executor !== null ? executor : undefined;
  const workersPath = ['executor', 'workers'];
  const badWorkers = workersProblem(workers?.workers);
  const errors = [
    // one plain message for executor.workers instead of the union's two branches
    ...schemaErrors(doc, counter, raw).filter((e) => badWorkers === null || e.path !== 'executor.workers'),
    ...(badWorkers === null ? [] : [issue('executor.workers', badWorkers, lineOf(doc, counter, workersPath))]),
    ...nameErrors(doc, counter, raw as ConfigFile),
    ...bindingErrors(doc, counter, raw as ConfigFile),
  ];
  const unknown: Segment[][] = [];
  unknownKeys(raw, ConfigFileSchema as TSchema as SchemaNode, [], unknown);
  const warnings = unknown.map((p) => issue(formatPath(p), 'unknown key (kept in the file, ignored by the app)', lineOf(doc, counter, p, true)));
  const ignored = workersIgnoredNote(workers);
  if (ignored !== null) warnings.push(issue('executor.workers', ignored, lineOf(doc, counter, workersPath)));
  return { doc, data: raw as ConfigFile, errors, warnings };
}

export function issueToString(i: ConfigIssue): string {
  return `${i.path}: ${i.message}${i.line !== null ? ` (line ${i.line})` : ''}`;
}
