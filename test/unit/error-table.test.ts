// The one error table (shared/errors.ts): every code and status both ways, the one rule for statuses
// outside it, and the Python executor's copy equal to it (the renderer's side: renderer-errors.test.tsx).
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ErrorCodes, StatusCodes, codeForStatus, httpStatusOf, isErrorCode, type ErrorCode, type ErrorStatus } from '../../shared/errors.js';
import { REPO_ROOT } from '../helpers/bridge.js';

const codes = Object.keys(ErrorCodes) as ErrorCode[];
const statuses = Object.keys(StatusCodes).map(Number) as ErrorStatus[];
const PYTHON = '/usr/bin/python3';
const EXECUTOR_DIR = path.join(REPO_ROOT, 'resources', 'python', 'webhook_bridge_executor');

describe('shared/errors.ts', () => {
  it('has the statuses the API answers with, each with its code', () => {
    expect(statuses).toEqual([400, 401, 403, 404, 405, 408, 409, 413, 414, 415, 431, 500, 502, 503, 504]);
    expect(Object.fromEntries(statuses.map((s) => [s, codeForStatus(s)]))).toEqual({
      400: 'INVALID_INPUT', 401: 'UNAUTHORIZED', 403: 'FORBIDDEN', 404: 'NOT_FOUND', 405: 'METHOD_NOT_ALLOWED',
      408: 'REQUEST_TIMEOUT', 409: 'CONFLICT', 413: 'PAYLOAD_TOO_LARGE', 414: 'URI_TOO_LONG', 415: 'UNSUPPORTED_MEDIA_TYPE',
      431: 'HEADERS_TOO_LARGE', 500: 'INTERNAL', 502: 'BAD_GATEWAY', 503: 'UNAVAILABLE', 504: 'TIMEOUT',
    });
  });

  it.each(statuses)('status %i → its code → the same status', (status) => {
    expect(httpStatusOf(codeForStatus(status))).toBe(status);
  });

  it.each(codes)('code %s → its status → a code with the same status (the code itself unless it shares the status)', (code) => {
    const status = httpStatusOf(code);
    expect(statuses).toContain(status);
    expect(httpStatusOf(codeForStatus(status))).toBe(status);
    const sharing = codes.filter((c) => httpStatusOf(c) === status);
    if (sharing.length === 1) expect(codeForStatus(status)).toBe(code);
  });

  it('names the codes that share a status and which one a status reads back as', () => {
    const shared = codes.filter((c) => codes.some((o) => o !== c && httpStatusOf(o) === httpStatusOf(c)));
    expect(shared.sort()).toEqual(['CONFIG_INVALID', 'CONFLICT', 'UNAVAILABLE', 'UNREACHABLE']);
    expect(codeForStatus(409)).toBe('CONFLICT');
    expect(codeForStatus(503)).toBe('UNAVAILABLE');
  });

  it('reads a status outside the table by one rule: 4xx INVALID_INPUT, anything else INTERNAL', () => {
    expect([406, 410, 416, 418, 429, 499].map(codeForStatus)).toEqual(Array(6).fill('INVALID_INPUT'));
    expect([0, 200, 302, 399, 501, 505, 599, 600, null, undefined].map(codeForStatus)).toEqual(Array(10).fill('INTERNAL'));
  });

  it('knows its codes and nothing else', () => {
    for (const code of codes) expect(isErrorCode(code)).toBe(true);
    for (const junk of ['NETWORK', 'toString', '__proto__', 'constructor', '', 404, null]) expect(isErrorCode(junk)).toBe(false);
  });
});

describe("the Python executor's copy of the table", () => {
  const run = spawnSync(
    PYTHON,
    [
      '-c',
      [
        'import json, sys',
        `sys.path.insert(0, ${JSON.stringify(path.dirname(EXECUTOR_DIR))})`,
        'from webhook_bridge_executor import conversion as c',
        'probe = [0, 200, 406, 416, 499, 501, 599]',
        'print(json.dumps({"table": {str(k): v for k, v in c.ERROR_CODES.items()}, "rule": {str(s): c.code_for_status(s) for s in probe}}))',
      ].join('\n'),
    ],
    { encoding: 'utf8' },
  );

  it('is importable', () => {
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });

  it('equals StatusCodes, and reads other statuses by the same rule', () => {
    const out = JSON.parse(run.stdout) as { table: Record<string, string>; rule: Record<string, string> };
    expect(out.table).toEqual(Object.fromEntries(statuses.map((s) => [String(s), StatusCodes[s]])));
    for (const [status, code] of Object.entries(out.rule)) expect(code, `status ${status}`).toBe(codeForStatus(Number(status)));
  });

  it('uses only the table’s codes, each with its status, where it names a code itself', () => {
    const pairs: Array<[string, number, string]> = [];
    for (const file of readdirSync(EXECUTOR_DIR).filter((f) => f.endsWith('.py'))) {
      const text = readFileSync(path.join(EXECUTOR_DIR, file), 'utf8');
      for (const m of text.matchAll(/envelope_result\(\s*(\d{3})\s*,\s*"([A-Z_]+)"/g)) pairs.push([file, Number(m[1]), m[2] as string]);
    }
    expect(pairs.length).toBeGreaterThanOrEqual(2);
    for (const [file, status, code] of pairs) {
      expect(isErrorCode(code), `${file}: ${code}`).toBe(true);
      expect(httpStatusOf(code as ErrorCode), `${file}: ${code}`).toBe(status);
    }
  });
});
