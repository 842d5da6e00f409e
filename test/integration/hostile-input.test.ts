/**
 * Hostile input, property-based: thousands of generated bad requests against every operation of
 * the contract (and the event stream), over real HTTP with the raw bytes really sent. Every answer
 * must be a 4xx JSON error envelope (never a 5xx, HTML, a hang or a dropped connection), the config
 * file's bytes must not change, and the server must be healthy afterwards.
 *
 * Requests to operations that change something are invalid by construction: each carries a bad
 * path parameter, a body the contract's schema rejects (checked here with the server's own
 * `restInput` and validator before sending), bad framing, a bad content type or a bad token.
 * GET requests may be valid by accident; they may then succeed.
 *
 *   HOSTILE_RUNS=5000 HOSTILE_SEED=42 npx vitest run test/integration/hostile-input.test.ts
 */
import http from 'node:http';
import { readdirSync, statSync, accessSync, constants } from 'node:fs';
import fc from 'fast-check';
import type { FastifyRequest } from 'fastify';
import { Value } from 'typebox/value';
import type { TSchema } from 'typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENTS_PATH, operationNames, operations, type OperationName } from '../../shared/contract.js';
import { isErrorCode } from '../../shared/errors.js';
import { restInput } from '../../electron/api/routes.js';
import { BODY_LIMIT } from '../../electron/api/server.js';
import { InputValidator } from '../../electron/core/input.js';
import type { LogEntry } from '../../shared/dto/logs.js';
import { startTestBridge, type TestBridge } from '../helpers/bridge.js';
import { fillPath, inputProperties, pathParams } from '../helpers/contract-routes.js';
import { isErrorEnvelope, sendHttp, sendRaw, type RawResponse } from '../helpers/http-raw.js';
import { sha256File } from '../helpers/procfs.js';

const CONFIG = `# hostile input: these bytes must never change
python:
  active_interpreter: sys   # in use
  interpreters:
    sys:
      name: "System"
      path: /usr/bin/python3
    other:
      name: "Other"
      path: /usr/bin/python3
`;

const TOTAL_RUNS = Number(process.env['HOSTILE_RUNS'] ?? 2400);
const SEED = process.env['HOSTILE_SEED'] !== undefined ? Number(process.env['HOSTILE_SEED']) : undefined;
const REQUEST_TIMEOUT_MS = 5000;

// ---------------------------------------------------------------------------------------------
// The requests

interface Hostile {
  kind: string;
  method: string;
  /** As sent (already percent-encoded where needed). */
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** A whole request written to a fresh socket (malformed framing, NUL bytes…). */
  raw?: Buffer;
}

function preview(b: Buffer | undefined, n = 160): string {
  if (!b) return '(none)';
  const s = JSON.stringify(b.subarray(0, n).toString('latin1'));
  return b.length > n ? `${s}… (${b.length} bytes)` : s;
}

function describeHostile(h: Hostile): string {
  if (h.raw) return `[${h.kind}] raw ${preview(h.raw, 300)}`;
  const headers = Object.entries(h.headers)
    .map(([k, v]) => `${k}: ${v.length > 80 ? `${v.slice(0, 80)}…(${v.length})` : v}`)
    .join('; ');
  return `[${h.kind}] ${h.method} ${h.path.length > 200 ? `${h.path.slice(0, 200)}…(${h.path.length})` : h.path} {${headers}} body ${preview(h.body)}`;
}

/** fast-check prints counterexamples with this (bodies may be a megabyte). */
function printable(h: Hostile): Hostile {
  return Object.assign(h, { [fc.toStringMethod]: () => describeHostile(h) });
}

// ---------------------------------------------------------------------------------------------
// Schema helpers: what the server would make of a request

type Sch = {
  type?: string;
  pattern?: string;
  const?: unknown;
  anyOf?: Sch[];
  properties?: Record<string, Sch>;
  required?: string[];
  additionalProperties?: boolean;
  items?: Sch;
  minimum?: number;
  maximum?: number;
};

const validator = new InputValidator();
const schemaOf = (name: OperationName): Sch => operations[name].input as unknown as Sch;

/** Would the server's input assembly and validation refuse this (params as the router decodes them)? */
function schemaRejects(name: OperationName, params: Record<string, string>, body: unknown, query: Record<string, unknown> = {}): boolean {
  try {
    const input = restInput(name, { params, body, query } as unknown as FastifyRequest);
    validator.check(name, input, { convert: operations[name].method === 'GET' });
    return false;
  } catch {
    return true;
  }
}

/** The same for a query string, parsed like fastify does (repeated keys become lists). */
function queryRejects(name: OperationName, params: Record<string, string>, qs: string): boolean {
  const q: Record<string, unknown> = {};
  try {
    for (const [k, v] of new URLSearchParams(qs)) {
      const prev = q[k];
      q[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
    }
  } catch {
    return true;
  }
  return schemaRejects(name, params, undefined, q);
}

function propSchema(name: OperationName, prop: string): TSchema | undefined {
  return inputProperties(name)[prop];
}

/** A value the property's schema accepts, to build plausible bodies around one defect. */
function sampleFor(s: Sch | undefined): unknown {
  if (!s) return 'x';
  if (s.const !== undefined) return s.const;
  if (s.anyOf) return sampleFor(s.anyOf[0]);
  switch (s.type) {
    case 'string': {
      const c = ['other', 'echo', '/usr/bin/python3', 'job1', 'x'].find((v) => !s.pattern || new RegExp(s.pattern).test(v));
      return c ?? 'x';
    }
    case 'boolean':
      return true;
    case 'integer':
    case 'number':
      return s.minimum ?? 1;
    case 'array':
      return [];
    case 'object':
      return {};
    default:
      return null;
  }
}

// ---------------------------------------------------------------------------------------------
// Generators of bad parts

const HOSTILE_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  'sys\u0000',
  '/usr/bin/python3\u0000',
  '\uFEFFsys',
  '\u202Esys',
  'sy\u0301s',
  '\uD800',
  '\uDFFF\uD800',
  '💩',
  'Ω≈ç√∫',
  '../x',
  '..\\x',
  '..',
  '.',
  '%2e%2e',
  '..%2f',
  '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
  '/etc/passwd',
  '~/../../etc/shadow',
  'C:\\Windows\\System32',
  '\\\\server\\share',
  '\n',
  'a\r\nX-Injected: 1',
  '${HOME}',
  '$(id)',
  '`id`',
  '<script>alert(1)</script>',
  "' OR 1=1 --",
  '__proto__',
  'constructor',
  'null',
  'undefined',
  'NaN',
  '-1',
  '1e999',
  'x'.repeat(65),
  'x'.repeat(300),
  'x'.repeat(5000),
  'x'.repeat(70_000),
];

const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', minLength: 65, maxLength: 300 }) },
);

const junkValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom<unknown>(null, true, false, 0, -1, 1.5, 1e308, -1e308, 2 ** 53 + 1, '1', '0', 'true', 'false', '5000', [], {}, [1], ['a'], [null], { a: 1 }, [[[]]], { __proto__: null }) },
  { weight: 3, arbitrary: hostileString },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.array(hostileString, { maxLength: 5 }) },
  { weight: 1, arbitrary: fc.dictionary(hostileString, hostileString, { maxKeys: 4 }) },
);

const extraKey: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__', '', ' ', 'KEY', 'key ', 'x', 'Name', 'PATH', '$where', '\u0000'),
  fc.string({ unit: 'binary', maxLength: 20 }),
);

type Entry = [string, unknown];

/** JSON object text from entries, so duplicate keys and `__proto__` go over the wire as written. */
function objectText(entries: Entry[]): string {
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v) ?? 'null'}`).join(',')}}`;
}

function parseLikeServer(bytes: Buffer): { ok: true; value: unknown } | { ok: false } {
  if (bytes.length === 0) return { ok: true, value: undefined };
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

const JSON_TYPES = ['application/json', 'application/json; charset=utf-8', 'APPLICATION/JSON', 'application/problem+json', 'application/vnd.api+json', 'application/json;charset=latin1'];
const NOT_JSON_TYPES = [
  'text/plain',
  'text/plain; charset=utf-8',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=xyz',
  'application/xml',
  'text/json',
  'application/jsonx',
  'application/json-seq',
  'application/x-json',
  'json',
  '*/*',
  'application/',
  ';',
  'text/html',
];

interface Target {
  name: OperationName;
  method: string;
  /** Contract path with `{param}`s. */
  template: string;
  params: string[];
  mutating: boolean;
  auth: boolean;
  /** Valid values for each param, the first of which exists (`other`, `echo`, `job1`). */
  goodParams: Record<string, string[]>;
}

function targetOf(name: OperationName): Target {
  const op = operations[name];
  const params = pathParams(op.path);
  const goodParams: Record<string, string[]> = {};
  for (const p of params) {
    const s = propSchema(name, p);
    goodParams[p] = ['other', 'sys', 'nope', 'echo', 'nope_plugin', 'job1', '01JD0000000000000000000000'].filter((v) => s === undefined || Value.Check(s, v));
    if (goodParams[p]?.length === 0) throw new Error(`no sample for ${name}.${p}`);
  }
  return { name, method: op.method, template: op.path, params, mutating: op.method !== 'GET', auth: op.auth, goodParams };
}

let token = 'unset';

function authHeaders(t: Target): Record<string, string> {
  return t.auth ? { authorization: `Bearer ${token}` } : {};
}

const goodParamsArb = (t: Target): fc.Arbitrary<Record<string, string>> =>
  t.params.length === 0 ? fc.constant({}) : fc.record(Object.fromEntries(t.params.map((p) => [p, fc.constantFrom(...(t.goodParams[p] as string[]))])));

/** A path parameter the contract refuses (or one that breaks the route), percent-encoded as sent. */
function badParamArb(t: Target, param: string): fc.Arbitrary<string> {
  const s = propSchema(t.name, param);
  const literal = fc.constantFrom(
    '..',
    '.',
    '..%2Fx',
    '..%2fx',
    '%2e%2e',
    '%2E%2E',
    '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
    '..%5c..%5cwindows',
    '..%252f',
    '%00',
    'other%00',
    'a%00b',
    '%zz',
    '%',
    'a%2',
    '%C0%AE%C0%AE',
    '%FF%FE',
    '%ED%A0%80',
    'other%20',
    '%20other',
    '%E2%80%AEother',
    '%F0%9F%92%A9',
    '%EF%BB%BFother',
    'other;x',
    'other%3Bx',
    'other%3F',
    'other%23',
    '-x',
    '.hidden',
    'a'.repeat(65),
    'a'.repeat(129),
    'a'.repeat(300),
    'a'.repeat(3000),
    '%2F',
    '~',
    'other.',
  );
  const generated = fc.string({ unit: 'binary', minLength: 1, maxLength: 80 }).map((raw) => {
    try {
      return encodeURIComponent(raw);
    } catch {
      return encodeURIComponent(raw.replace(/[\uD800-\uDFFF]/g, '\uFFFD'));
    }
  });
  // Keep only what really is invalid for this parameter after the router's decoding.
  return fc.oneof({ weight: 3, arbitrary: literal }, { weight: 2, arbitrary: generated }).filter((enc) => {
    let decoded: string;
    try {
      decoded = decodeURIComponent(enc);
    } catch {
      return true; // the router refuses it
    }
    return s === undefined ? false : !Value.Check(s, decoded);
  });
}

/** Bodies the schema refuses for these (valid) params: defects in fields, shape, nesting. */
function schemaBadBody(t: Target, params: Record<string, string>): fc.Arbitrary<{ kind: string; text: string }> {
  const schema = schemaOf(t.name);
  const props = Object.keys(schema.properties ?? {});
  const bodyProps = props.filter((p) => !t.params.includes(p));
  const required = (schema.required ?? []).filter((p) => !t.params.includes(p));
  const stringProps = bodyProps.filter((p) => (schema.properties?.[p] as Sch | undefined)?.type === 'string');
  const base: Entry[] = bodyProps.map((p) => [p, sampleFor(schema.properties?.[p])]);

  type Mutation = { t: 'extra'; key: string; value: unknown } | { t: 'set'; prop: string; value: unknown } | { t: 'drop'; prop: string } | { t: 'dup'; prop: string; value: unknown } | { t: 'param'; prop: string; value: unknown };
  const mutations: Array<fc.Arbitrary<Mutation>> = [fc.record({ t: fc.constant('extra' as const), key: extraKey, value: junkValue })];
  if (bodyProps.length > 0) {
    mutations.push(fc.record({ t: fc.constant('set' as const), prop: fc.constantFrom(...bodyProps), value: junkValue }));
    mutations.push(fc.record({ t: fc.constant('dup' as const), prop: fc.constantFrom(...bodyProps), value: junkValue }));
  }
  if (stringProps.length > 0) mutations.push(fc.record({ t: fc.constant('set' as const), prop: fc.constantFrom(...stringProps), value: hostileString }));
  if (required.length > 0) mutations.push(fc.record({ t: fc.constant('drop' as const), prop: fc.constantFrom(...required) }));
  // a body field that repeats a path parameter with another value
  if (t.params.length > 0) mutations.push(fc.record({ t: fc.constant('param' as const), prop: fc.constantFrom(...t.params), value: fc.oneof(junkValue, hostileString) }));

  const structured = fc.array(fc.oneof(...mutations), { minLength: 1, maxLength: 3 }).map((ms) => {
    let entries: Entry[] = base.map(([k, v]) => [k, v]);
    const kinds: string[] = [];
    for (const m of ms) {
      kinds.push(m.t === 'extra' ? `extra:${m.key.slice(0, 12)}` : `${m.t}:${m.prop}`);
      if (m.t === 'extra') entries.push([m.key, m.value]);
      else if (m.t === 'set') entries = [...entries.filter(([k]) => k !== m.prop), [m.prop, m.value]];
      else if (m.t === 'drop') entries = entries.filter(([k]) => k !== m.prop);
      else if (m.t === 'dup') entries.push([m.prop, m.value]);
      else entries.push([m.prop, m.value]);
    }
    return { kind: `field ${kinds.join(',')}`, text: objectText(entries) };
  });

  const notObject = junkValue.filter((v) => v === null || typeof v !== 'object' || Array.isArray(v)).map((v) => ({ kind: `not an object (${Array.isArray(v) ? 'array' : typeof v})`, text: JSON.stringify(v) }));

  const deep = fc
    .record({ depth: fc.constantFrom(64, 1000, 10_000, 100_000), shape: fc.constantFrom('array', 'object', 'field') })
    .map(({ depth, shape }) => {
      const arr = `${'['.repeat(depth)}${']'.repeat(depth)}`;
      const obj = `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
      const field = bodyProps[0] ?? 'a';
      const text = shape === 'array' ? arr : shape === 'object' ? obj : `{${base.map(([k, v]) => `${JSON.stringify(k)}:${k === field ? arr : JSON.stringify(v)},`).join('')}"zz":${arr}}`;
      return { kind: `deep ${shape} ${depth}`, text };
    });

  const trivial = fc.constantFrom({ kind: 'empty body', text: '' }, { kind: 'null body', text: 'null' }, { kind: 'empty object', text: '{}' }, { kind: 'whitespace', text: ' \n\t ' });

  return fc
    .oneof({ weight: 8, arbitrary: structured }, { weight: 2, arbitrary: notObject }, { weight: 1, arbitrary: deep }, { weight: 1, arbitrary: trivial })
    .filter(({ text }) => {
      const parsed = parseLikeServer(Buffer.from(text, 'utf8'));
      return !parsed.ok || schemaRejects(t.name, params, parsed.value);
    });
}

/** Bytes no JSON parser accepts: invalid UTF-8, broken syntax. */
const transportBadBody: fc.Arbitrary<{ kind: string; bytes: Buffer }> = fc.oneof(
  fc
    .record({
      bad: fc.constantFrom([0xff], [0xfe, 0xff], [0xc0, 0xaf], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0xf8, 0x88, 0x80, 0x80, 0x80], [0x80], [0xf4, 0x90, 0x80, 0x80]),
      before: fc.string({ unit: 'grapheme-ascii', maxLength: 10 }).map((s) => s.replace(/["\\]/g, '')),
      field: fc.constantFrom('key', 'name', 'path', 'method', 'x'),
    })
    .map(({ bad, before, field }) => ({ kind: 'invalid UTF-8', bytes: Buffer.concat([Buffer.from(`{"${field}":"${before}`), Buffer.from(bad), Buffer.from('"}')]) })),
  fc
    .constantFrom(
      '{',
      '{"a":}',
      "{'name':'other'}",
      '{"name":"other",}',
      '[1,]',
      '{"a":NaN}',
      '{"a":Infinity}',
      '{"name":"other"}//',
      '/*x*/{}',
      '{"a":undefined}',
      '\u0000',
      '{"name":"ot\u0000her"}',
      '{"name":"\\x41"}',
      '{"name":"\\u12"}',
      '{} {}',
      '{}x',
      '"',
      'tru',
      '01',
      '-',
      '\uFEFF{',
      '{"name":"other"',
      '{"__proto__":',
      `{"a":"${'\\'.repeat(3)}"}`,
    )
    .map((s) => ({ kind: 'broken JSON', bytes: Buffer.from(s, 'utf8') })),
);

function bodyCase(t: Target): fc.Arbitrary<Hostile> {
  const path = (params: Record<string, string>): string => fillPath(t.template, params);
  const withSchemaBad = goodParamsArb(t).chain((params) =>
    fc.record({ b: schemaBadBody(t, params), ct: fc.constantFrom(...JSON_TYPES) }).map(({ b, ct }) => ({
      kind: `body: ${b.kind}`,
      method: t.method,
      path: path(params),
      headers: { ...authHeaders(t), 'content-type': ct },
      body: Buffer.from(b.text, 'utf8'),
    })),
  );
  const withTransportBad = fc.record({ params: goodParamsArb(t), b: transportBadBody, ct: fc.constantFrom(...JSON_TYPES) }).map(({ params, b, ct }) => ({
    kind: `body: ${b.kind}`,
    method: t.method,
    path: path(params),
    headers: { ...authHeaders(t), 'content-type': ct },
    body: b.bytes,
  }));
  // Over the limit: with a length, or chunked so the server only learns it while reading.
  const oversize = fc.record({ params: goodParamsArb(t), extra: fc.integer({ min: 1, max: 4096 }), chunked: fc.boolean() }).map(({ params, extra, chunked }) => {
    const filler = BODY_LIMIT + extra;
    const body = Buffer.from(`{"key":"${'a'.repeat(filler)}","path":"/usr/bin/python3","name":"other"}`);
    return {
      kind: `body over the limit (${body.length} bytes${chunked ? ', chunked' : ''})`,
      method: t.method,
      path: path(params),
      headers: { ...authHeaders(t), 'content-type': 'application/json', ...(chunked ? { 'transfer-encoding': 'chunked' } : {}) },
      body,
    };
  });
  // A body that might even be valid, with a content type that is not JSON (or none): 415.
  const wrongType = fc
    .record({ params: goodParamsArb(t), ct: fc.option(fc.constantFrom(...NOT_JSON_TYPES), { nil: undefined }), text: fc.constantFrom('{}', '{"name":"other"}', '{"key":"new1","path":"/usr/bin/python3"}', 'name=other', '<x/>', '{"logging_level":"debug"}') })
    .map(({ params, ct, text }) => ({
      kind: `content type ${ct ?? '(none)'}`,
      method: t.method,
      path: path(params),
      headers: { ...authHeaders(t), ...(ct !== undefined ? { 'content-type': ct } : {}) },
      body: Buffer.from(text),
    }));
  return fc.oneof({ weight: 10, arbitrary: withSchemaBad }, { weight: 3, arbitrary: withTransportBad }, { weight: 1, arbitrary: oversize }, { weight: 2, arbitrary: wrongType });
}

function paramCase(t: Target): fc.Arbitrary<Hostile> {
  return fc
    .record({
      which: fc.constantFrom(...t.params),
      others: goodParamsArb(t),
      body: fc.constantFrom(undefined, '{}', '{"name":"other"}', '{"method":"GET"}', '[]'),
    })
    .chain(({ which, others, body }) =>
      badParamArb(t, which).map((bad) => ({
        kind: `bad {${which}}`,
        method: t.method,
        path: fillPath(t.template, { ...others, [which]: bad }),
        headers: { ...authHeaders(t), ...(body !== undefined && t.mutating ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined && t.mutating ? { body: Buffer.from(body) } : {}),
      })),
    );
}

const QUERY_VALUES = ['', 'abc', '-1', '0', '1.5', '1e3', '0x10', '99999999999999999999', '5001', 'true', 'false', 'maybe', 'NaN', 'Infinity', 'null', '[]', '{}', '%00', '%zz', '%FF', '%C0%AE', '\u0000', '../x', 'a'.repeat(5000)];

function queryCase(t: Target): fc.Arbitrary<Hostile> {
  const props = Object.keys(schemaOf(t.name).properties ?? {}).filter((p) => !t.params.includes(p));
  const key = fc.oneof(fc.constantFrom(...props, '__proto__', 'constructor', 'prototype', 'x', '', 'limit[]', 'since[0]', '__proto__[polluted]', 'constructor[prototype][x]', 'a.b', 'toString'), fc.string({ unit: 'grapheme', maxLength: 10 }));
  const value = fc.oneof(fc.constantFrom(...QUERY_VALUES), hostileString);
  return fc
    .record({ params: goodParamsArb(t), pairs: fc.array(fc.tuple(key, value, fc.boolean()), { minLength: 1, maxLength: 4 }), huge: fc.boolean().map((b) => b && Math.random() < 0.1) })
    .map(({ params, pairs, huge }) => {
      // `enc` false sends the value's bytes as they are (so %zz stays a bad escape)
      const qs = pairs.map(([k, v, enc]) => `${encodeURIComponent(k.replace(/[\uD800-\uDFFF]/g, '?'))}=${enc || /[^\x21-\x7e]/.test(v) ? encodeURIComponent(v.replace(/[\uD800-\uDFFF]/g, '?')) : v}`).join('&');
      return { params, qs: huge ? `${qs}&pad=${'p'.repeat(20_000)}` : qs };
    })
    .filter(({ params, qs }) => qs.length > 16_000 || queryRejects(t.name, params, qs))
    .map(({ params, qs }) => ({ kind: 'bad query', method: t.method, path: `${fillPath(t.template, params)}?${qs}`, headers: authHeaders(t) }));
}

function authCase(t: Target): fc.Arbitrary<Hostile> {
  const bad = fc.constantFrom<(tok: string) => string | undefined>(
    () => undefined,
    () => '',
    () => 'Bearer',
    () => 'Bearer ',
    () => 'Bearer null',
    () => 'Bearer undefined',
    (tok) => `Bearer ${tok.slice(0, -1)}`,
    (tok) => `Bearer ${tok}x`,
    (tok) => `Bearer ${tok.toUpperCase() === tok ? tok.toLowerCase() : tok.toUpperCase()}`,
    (tok) => `bearer${tok}`,
    (tok) => `Token ${tok}`,
    (tok) => `Basic ${Buffer.from(`user:${tok}`).toString('base64')}`,
    (tok) => `Bearer ${tok},Bearer ${tok}`,
    () => `Bearer ${'A'.repeat(8000)}`,
    () => `Bearer ${'é'.repeat(10)}`,
  );
  return fc.record({ params: goodParamsArb(t), bad, body: fc.constantFrom('{}', '{"name":"other"}', '{"key":"new1","path":"/usr/bin/python3"}') }).map(({ params, bad, body }) => {
    const value = bad(token);
    return {
      kind: 'bad token',
      method: t.method,
      path: fillPath(t.template, params),
      headers: { ...(value !== undefined ? { authorization: value } : {}), ...(t.mutating ? { 'content-type': 'application/json' } : {}) },
      ...(t.mutating ? { body: Buffer.from(body) } : {}),
    };
  });
}

/** Methods no operation has on this path. */
function methodCase(t: Target, all: Target[]): fc.Arbitrary<Hostile> | null {
  const taken = new Set(all.filter((o) => o.template === t.template).map((o) => o.method));
  const methods = ['PUT', 'PATCH', 'DELETE', 'POST', 'GET', 'PROPFIND', 'MKCOL', 'TRACE', 'SEARCH', 'FOO', 'M-SEARCH'].filter((m) => !taken.has(m) && !(m === 'GET' && taken.has('GET')));
  if (methods.length === 0) return null;
  return fc.record({ params: goodParamsArb(t), m: fc.constantFrom(...methods), body: fc.boolean() }).map(({ params, m, body }) => ({
    kind: `method ${m}`,
    method: m,
    path: fillPath(t.template, params),
    headers: { ...authHeaders(t), ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: Buffer.from('{"name":"other","key":"new1","path":"/usr/bin/python3"}') } : {}),
  }));
}

/** Malformed HTTP written to a socket: framing, header and request-line defects. */
function protocolCase(t: Target, port: () => number): fc.Arbitrary<Hostile> {
  const body = '{"name":"other","key":"new1","path":"/usr/bin/python3","x":1}';
  return fc
    .record({
      params: goodParamsArb(t),
      defect: fc.constantFrom(
        'cl-negative',
        'cl-word',
        'cl-exp',
        'cl-hex',
        'cl-huge',
        'cl-list',
        'cl-twice',
        'cl-and-te',
        'te-bad-chunk',
        'te-gzip',
        'te-twice',
        'short-cl',
        'nul-header',
        'cr-header',
        'space-in-name',
        'no-colon',
        'obs-fold',
        'huge-header',
        'lower-method',
        'http-9',
        'http-2',
        'bad-version',
        'raw-space-in-path',
        'raw-utf8-in-path',
        'nul-in-path',
        'connect',
        'upgrade',
        'expect-100',
      ),
      cut: fc.integer({ min: 1, max: body.length - 1 }),
    })
    .map(({ params, defect, cut }) => {
      const p = fillPath(t.template, params);
      const hostLine = `Host: 127.0.0.1:${port()}\r\n`;
      const auth = t.auth ? `Authorization: Bearer ${token}\r\n` : '';
      const start = (target = p, method = t.method, version = 'HTTP/1.1'): string => `${method} ${target} ${version}\r\n${hostLine}${auth}Connection: close\r\n`;
      const json = 'Content-Type: application/json\r\n';
      let raw: string | Buffer;
      switch (defect) {
        case 'cl-negative':
          raw = `${start()}${json}Content-Length: -1\r\n\r\n${body}`;
          break;
        case 'cl-word':
          raw = `${start()}${json}Content-Length: abc\r\n\r\n${body}`;
          break;
        case 'cl-exp':
          raw = `${start()}${json}Content-Length: 1e1\r\n\r\n${body}`;
          break;
        case 'cl-hex':
          raw = `${start()}${json}Content-Length: 0x10\r\n\r\n${body}`;
          break;
        case 'cl-huge':
          raw = `${start()}${json}Content-Length: 99999999999999999999999\r\n\r\n${body}`;
          break;
        case 'cl-list':
          raw = `${start()}${json}Content-Length: ${body.length}, ${body.length + 1}\r\n\r\n${body}`;
          break;
        case 'cl-twice':
          raw = `${start()}${json}Content-Length: ${body.length}\r\nContent-Length: 3\r\n\r\n${body}`;
          break;
        case 'cl-and-te':
          raw = `${start()}${json}Content-Length: ${body.length}\r\nTransfer-Encoding: chunked\r\n\r\n${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`;
          break;
        case 'te-bad-chunk':
          raw = `${start()}${json}Transfer-Encoding: chunked\r\n\r\nzz\r\n${body}\r\n0\r\n\r\n`;
          break;
        case 'te-gzip':
          raw = `${start()}${json}Transfer-Encoding: gzip\r\n\r\n${body}`;
          break;
        case 'te-twice':
          raw = `${start()}${json}Transfer-Encoding: chunked, chunked\r\n\r\n${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`;
          break;
        case 'short-cl':
          // the body as announced is a strict prefix of a JSON object: never valid JSON
          raw = `${start()}${json}Content-Length: ${cut}\r\n\r\n${body}`;
          break;
        case 'nul-header':
          raw = `${start()}X-Junk: a\u0000b\r\n\r\n`;
          break;
        case 'cr-header':
          raw = `${start()}X-Junk: a\rb\r\n\r\n`;
          break;
        case 'space-in-name':
          raw = `${start()}X Junk: 1\r\n\r\n`;
          break;
        case 'no-colon':
          raw = `${start()}X-Junk\r\n\r\n`;
          break;
        case 'obs-fold':
          raw = `${start()}X-Junk: a\r\n b\r\n\r\n`;
          break;
        case 'huge-header':
          raw = `${start()}X-Junk: ${'h'.repeat(20_000)}\r\n\r\n`;
          break;
        case 'lower-method':
          raw = `${start(p, t.method.toLowerCase())}\r\n`;
          break;
        case 'http-9':
          raw = `${t.method} ${p}\r\n\r\n`;
          break;
        case 'http-2':
          raw = 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n';
          break;
        case 'bad-version':
          raw = `${start(p, t.method, 'HTTP/9.9')}\r\n`;
          break;
        case 'raw-space-in-path':
          raw = `${start(`${p} x`)}\r\n`;
          break;
        case 'raw-utf8-in-path':
          raw = Buffer.concat([Buffer.from(`${t.method} ${p}`), Buffer.from([0xc3, 0xa9, 0xff]), Buffer.from(` HTTP/1.1\r\n${hostLine}${auth}Connection: close\r\n\r\n`)]);
          break;
        case 'nul-in-path':
          raw = `${start(`${p}\u0000`)}\r\n`;
          break;
        case 'connect':
          raw = `CONNECT 127.0.0.1:${port()} HTTP/1.1\r\n${hostLine}${auth}Connection: close\r\n\r\n`;
          break;
        case 'upgrade':
          // (with a body that is not JSON, so that a server ignoring Upgrade still has nothing valid to do)
          raw = `${start()}Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n${json}Content-Length: 5\r\n\r\n{"a":`;
          break;
        default:
          // Expect: 100-continue, then a body that is not valid JSON
          raw = `${start()}${json}Expect: 100-continue\r\nContent-Length: 5\r\n\r\n{"a":`;
      }
      return { kind: `protocol ${defect}`, method: t.method, path: p, headers: {}, raw: Buffer.isBuffer(raw) ? raw : Buffer.from(raw, 'latin1') };
    });
}

function hostileFor(t: Target, all: Target[], port: () => number): fc.Arbitrary<Hostile> {
  const arbs: Array<fc.WeightedArbitrary<Hostile>> = [];
  if (t.params.length > 0) arbs.push({ weight: 3, arbitrary: paramCase(t) });
  if (t.mutating) arbs.push({ weight: 8, arbitrary: bodyCase(t) });
  else arbs.push({ weight: 5, arbitrary: queryCase(t) });
  if (t.auth) arbs.push({ weight: 1, arbitrary: authCase(t) });
  const mc = methodCase(t, all);
  if (mc) arbs.push({ weight: 1, arbitrary: mc });
  arbs.push({ weight: 1, arbitrary: protocolCase(t, port) });
  return fc.oneof(...arbs).map(printable);
}

/** The event stream: never with valid credentials from its own origin (it would stream forever). */
function eventStreamCase(port: () => number): fc.Arbitrary<Hostile> {
  return fc
    .record({
      auth: fc.constantFrom<string | undefined>(undefined, '', 'Bearer nope', 'Bearer '),
      method: fc.constantFrom('GET', 'POST', 'DELETE', 'PUT'),
      query: fc.constantFrom('', '?token=x', '?__proto__=1', `?${'q'.repeat(3000)}=1`),
      origin: fc.constantFrom<string | undefined>(undefined, 'http://evil.com', 'null'),
    })
    .map(({ auth, method, query, origin }) =>
      printable({
        kind: 'event stream',
        method,
        path: `${EVENTS_PATH}${query}`,
        headers: { ...(auth !== undefined ? { authorization: auth } : {}), ...(origin ? { origin } : {}), accept: 'text/event-stream', host: `127.0.0.1:${port()}` },
      }),
    );
}

// ---------------------------------------------------------------------------------------------
// The run

let b: TestBridge;
let port = 0;
let agent: http.Agent;
let configHash = '';
let dirListing: string[] = [];
let tried = 0;
const byStatus = new Map<number, number>();
const accepted: string[] = [];
const apiErrors: LogEntry[] = [];

async function send(h: Hostile): Promise<RawResponse> {
  tried++;
  if (h.raw) return sendRaw(port, h.raw, REQUEST_TIMEOUT_MS);
  const o = { port, method: h.method, path: h.path, headers: h.headers, ...(h.body ? { body: h.body } : {}), timeoutMs: REQUEST_TIMEOUT_MS };
  try {
    return await sendHttp({ ...o, agent });
  } catch (err) {
    // A kept-alive socket the server closed after its previous answer: one retry on a fresh one.
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ECONNRESET' && code !== 'EPIPE') throw err;
    return sendHttp(o);
  }
}

function check(t: Target | null, h: Hostile, res: RawResponse): void {
  const what = describeHostile(h);
  byStatus.set(res.status, (byStatus.get(res.status) ?? 0) + 1);
  const get = t !== null && !t.mutating && h.method === t.method;
  if (res.status >= 200 && res.status < 300 && get) {
    accepted.push(what);
    expect(res.headers['content-type'], what).toMatch(/^application\/json/);
    return;
  }
  if (res.status === 503 && get) {
    // the executor is restarting: allowed for reads, with the envelope and Retry-After
    expect(res.headers['retry-after'], what).toBeDefined();
    expect((res.json as { error: { code: string } }).error.code, what).toBe('UNAVAILABLE');
    return;
  }
  expect(res.status >= 400 && res.status < 500, `expected a 4xx, got ${res.status} ${res.text.slice(0, 300)} for ${what}`).toBe(true);
  expect(res.headers['content-type'], `content type for ${what}`).toMatch(/^application\/json/);
  expect(res.text, what).not.toMatch(/<html|<!doctype/i);
  expect(isErrorEnvelope(res.json), `not the error envelope: ${res.text.slice(0, 300)} for ${what}`).toBe(true);
  expect(isErrorCode((res.json as { error: { code: string } }).error.code), what).toBe(true);
  expect(res.headers['access-control-allow-origin'], what).toBeUndefined();
}

async function assertConfigUnchanged(what: string): Promise<void> {
  expect(await sha256File(b.configFile), `config bytes changed after ${what}`).toBe(configHash);
  expect(readdirSync(b.dir).sort(), `files appeared beside the config after ${what}`).toEqual(dirListing);
}

const targets = operationNames.map(targetOf);
const runsPerTarget = Math.ceil(TOTAL_RUNS / (targets.length + 1));

beforeAll(async () => {
  // The semantic defects below rely on these not being executable files.
  for (const p of ['/etc/passwd', '/dev/null', '/usr']) {
    const st = statSync(p);
    if (st.isFile()) expect(() => accessSync(p, constants.X_OK)).toThrow();
  }
  b = await startTestBridge({ configText: CONFIG });
  port = Number(new URL(b.url).port);
  token = b.token;
  agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  b.bridge.core.logs.onDidAppend((e) => {
    if (e.level === 'error' && e.source === 'api') apiErrors.push(e);
  });
  configHash = await sha256File(b.configFile);
  dirListing = readdirSync(b.dir).sort();
});

afterAll(async () => {
  agent?.destroy();
  await b?.stop();
});

describe('hostile input on every operation of the contract', () => {
  it('has operations to attack and a run budget', () => {
    expect(targets.length).toBeGreaterThanOrEqual(20);
    expect(runsPerTarget * (targets.length + 1)).toBeGreaterThanOrEqual(2000);
  });

  for (const t of targets) {
    it(`${t.method} ${t.template} (${t.name}): ${runsPerTarget} bad requests, 4xx envelopes, config untouched`, async () => {
      await fc.assert(
        fc.asyncProperty(hostileFor(t, targets, () => port), async (h) => {
          const res = await send(h);
          check(t, h, res);
          if (t.mutating) await assertConfigUnchanged(describeHostile(h));
        }),
        { numRuns: runsPerTarget, endOnFailure: true, ...(SEED !== undefined ? { seed: SEED } : {}) },
      );
      await b.bridge.core.config.checkDisk();
      await assertConfigUnchanged(`the batch for ${t.name}`);
    });
  }

  it(`GET ${EVENTS_PATH} (event stream): bad credentials, methods and origins`, async () => {
    await fc.assert(
      fc.asyncProperty(eventStreamCase(() => port), async (h) => {
        const res = await send(h);
        check(null, h, res);
      }),
      { numRuns: runsPerTarget, endOnFailure: true, ...(SEED !== undefined ? { seed: SEED } : {}) },
    );
  });

  it('semantically bad values the schema lets through are refused too, and change nothing', async () => {
    const cases: Array<[string, string, unknown]> = [
      ['POST', '/api/dashboard/interpreters', { key: 'sem1', path: '/etc/passwd' }],
      ['POST', '/api/dashboard/interpreters', { key: 'sem1', path: 'python3' }],
      ['POST', '/api/dashboard/interpreters', { key: 'sem1', path: './python3' }],
      ['POST', '/api/dashboard/interpreters', { key: 'sem1', path: '/usr/bin/python3\u0000' }],
      ['POST', '/api/dashboard/interpreters', { key: 'sem1', path: '/nonexistent/python' }],
      ['POST', '/api/dashboard/interpreters', { key: 'sem1', path: '/usr' }],
      ['POST', '/api/dashboard/interpreters', { key: 'sem1', path: '/dev/null' }],
      ['POST', '/api/dashboard/interpreters', { key: 'sem1', path: '~' }],
      ['POST', '/api/dashboard/interpreters', { key: 'sem1', path: '/usr/bin/python3', venv_path: 'relative/venv' }],
      ['POST', '/api/dashboard/interpreters', { key: 'sem1', path: '/usr/bin/python3', venv_path: '/tmp/x\u0000' }],
      ['POST', '/api/dashboard/interpreters', { key: 'other', path: '/usr/bin/python3' }],
      ['POST', '/api/dashboard/interpreters', { key: 'sys', path: '/usr/bin/python3' }],
      ['POST', '/api/dashboard/interpreters/nope/activate', {}],
      ['DELETE', '/api/dashboard/interpreters/sys', undefined],
      ['DELETE', '/api/dashboard/interpreters/nope', undefined],
      ['PATCH', '/api/dashboard/config', { active_interpreter: 'nope' }],
      ['PATCH', '/api/dashboard/config', { active_interpreter: 'nope', logging_level: 'debug' }],
      ['PATCH', '/api/dashboard/config', { active_interpreter: 'nope', venv_path: '/x', auto_download_uv: false }],
      ['POST', '/api/dashboard/connection/reconnect', { interpreter: 'nope' }],
      ['POST', '/api/dashboard/plugins/nope_plugin/test', { method: 'GET' }],
      ['POST', '/api/dashboard/interpreters/nope/install', {}],
      ['POST', '/api/dashboard/interpreters/nope/venv', {}],
      ['DELETE', '/api/dashboard/jobs/nope', undefined],
    ];
    for (const [method, path, body] of cases) {
      const h: Hostile = printable({
        kind: 'semantic',
        method,
        path,
        headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: Buffer.from(JSON.stringify(body)) } : {}),
      });
      const res = await send(h);
      check({ ...targetOf('addInterpreter'), mutating: true }, h, res);
      await b.bridge.core.config.checkDisk();
      await assertConfigUnchanged(describeHostile(h));
    }
  });

  it('leaves the server healthy: /health answers, nothing was logged as an internal error', async () => {
    const health = await sendHttp({ port, method: 'GET', path: '/health', timeoutMs: REQUEST_TIMEOUT_MS });
    expect(health.status).toBe(200);
    expect(health.json).toMatchObject({ config_valid: true });
    const list = await sendHttp({ port, method: 'GET', path: '/api/dashboard/interpreters', headers: { authorization: `Bearer ${token}` } });
    expect(list.json).toMatchObject({ active: 'sys', interpreters: [{ key: 'sys' }, { key: 'other' }] });
    expect(apiErrors.map((e) => e.message)).toEqual([]);
    await assertConfigUnchanged('the whole run');
    const statuses = [...byStatus.entries()].sort(([a], [c]) => a - c).map(([s, n]) => `${s}×${n}`).join(' ');
    console.log(`hostile input: ${tried} requests tried (${statuses}); ${accepted.length} GETs were valid by chance`);
    expect(tried).toBeGreaterThanOrEqual(2000);
  });
});
