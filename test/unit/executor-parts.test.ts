/** Backoff, failure window, request statistics, error mapping, launch environment and transport. */
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { groupHeaders } from '../../electron/api/webhooks.js';
import { RequestStatsTracker, percentile } from '../../electron/core/executor/request-stats.js';
import type { Settings } from '../../electron/core/config/schema.js';
import { resolveSettings } from '../../electron/core/config/effective.js';
import { AppError } from '../../electron/core/app-error.js';
import { pluginDirsOf, transportOf } from '../../electron/core/executor/launch-settings.js';
import { Backoff, FailureWindow } from '../../electron/core/executor/backoff.js';
import { Leases } from '../../electron/core/executor/endpoint.js';
import { toAppError } from '../../electron/core/executor/error-map.js';
import { ExecutorError } from '../../electron/core/executor/grpc-errors.js';
import { prepareLaunch, virtualEnvOf, type LaunchSettings } from '../../electron/core/executor/launch.js';
import { headerRecord } from '../../electron/core/executor/gateway.js';
import type { ResolvedInterpreter } from '../../electron/core/interpreters/registry.js';

const interp = (p: Partial<ResolvedInterpreter> = {}): ResolvedInterpreter => ({ key: 'k', name: 'k', path: '/usr/bin/python3', venv_path: null, use_uv: false, required_packages: [], environment: {}, ...p });
const settings = (file: Record<string, unknown> = {}): Settings => resolveSettings(file, {}).settings;

describe('Backoff and FailureWindow', () => {
  it('doubles from the first delay up to the cap, and starts over after reset', () => {
    const b = new Backoff({ initialMs: 100, maxMs: 5_000, factor: 2 });
    expect(Array.from({ length: 8 }, () => b.next())).toEqual([100, 200, 400, 800, 1600, 3200, 5000, 5000]);
    b.reset();
    expect(b.next()).toBe(100);
  });

  it('counts failures inside the window only', () => {
    let t = 0;
    const w = new FailureWindow(() => ({ max: 2, windowMs: 1_000 }), () => t);
    expect(w.record()).toBe(false);
    t = 500;
    expect(w.record()).toBe(false);
    t = 1_200; // the first one left the window
    expect(w.record()).toBe(false);
    expect(w.count()).toBe(2);
    t = 1_300;
    expect(w.record()).toBe(true);
  });
});

describe('RequestStatsTracker', () => {
  it('counts totals, failures and in-flight calls; percentiles over the window', () => {
    let t = 0;
    const s = new RequestStatsTracker(() => t, 1_000);
    for (let i = 1; i <= 100; i++) {
      s.begin();
      s.end(i, i % 10 !== 0);
    }
    s.begin();
    expect(s.snapshot()).toEqual({ total: 100, failed: 10, in_flight: 1, p50_ms: 50, p99_ms: 99 });
    t = 5_000;
    expect(s.snapshot()).toMatchObject({ total: 100, p50_ms: null, p99_ms: null });
    expect(percentile([], 0.5)).toBeNull();
  });
});

describe('Leases', () => {
  it('drains when the last call ends, or reports a timeout', async () => {
    const l = new Leases();
    l.acquire();
    l.acquire();
    const drained = l.drained(5_000);
    l.release();
    l.release();
    expect(await drained).toBe(true);
    l.acquire();
    expect(await l.drained(10)).toBe(false);
  });
});

describe('toAppError', () => {
  const e = (code: number): ExecutorError => new ExecutorError(code, 'details');
  it.each([
    [GrpcStatus.UNAVAILABLE, 'UNAVAILABLE'],
    [GrpcStatus.CANCELLED, 'UNAVAILABLE'],
    [GrpcStatus.UNAUTHENTICATED, 'UNAVAILABLE'],
    [GrpcStatus.DEADLINE_EXCEEDED, 'TIMEOUT'],
    [GrpcStatus.NOT_FOUND, 'NOT_FOUND'],
    [GrpcStatus.INVALID_ARGUMENT, 'INVALID_INPUT'],
    [GrpcStatus.RESOURCE_EXHAUSTED, 'BAD_GATEWAY'],
    [GrpcStatus.INTERNAL, 'INTERNAL'],
  ])('gRPC %i → %s', (code, expected) => {
    expect(toAppError(e(code), 'x').code).toBe(expected);
  });
  it('keeps AppErrors and wraps anything else as INTERNAL', () => {
    const app = new AppError('CONFLICT', 'c');
    expect(toAppError(app, 'x')).toBe(app);
    expect(toAppError(new Error('odd'), 'x')).toMatchObject({ code: 'INTERNAL', message: 'x failed: odd' });
  });
});

describe('launch', () => {
  const base = (over: Partial<LaunchSettings> = {}): LaunchSettings => ({
    resourcesDir: '/res',
    pluginDirs: ['/p1', '/res/plugins'],
    legacyEnvelope: true,
    legacyGeneration: 'auto',
    pluginTimeoutS: 30,
    logLevel: 'warn',
    transport: { kind: 'tcp', host: '127.0.0.1', port: 0 },
    baseEnv: { PATH: '/usr/bin', PYTHONPATH: '/mine', PYTHONHOME: '/ph', WEBHOOK_BRIDGE_API_TOKEN: 'api-secret', KEEP: '1' },
    platform: 'linux',
    tmpDir: os.tmpdir(),
    cwd: '/',
    ...over,
  });

  it('builds the environment: no app secrets, interpreter variables, PYTHONPATH, unbuffered, token and nonce', async () => {
    const p = await prepareLaunch(interp({ environment: { GITHUB_WEBHOOK_SECRET: 'gh-secret-value', MODE: 'x' } }), base());
    expect(p.env).toMatchObject({ KEEP: '1', MODE: 'x', GITHUB_WEBHOOK_SECRET: 'gh-secret-value', PYTHONPATH: '/res/python:/mine', PYTHONUNBUFFERED: '1', PYTHONHOME: '/ph' });
    expect(p.env['WEBHOOK_BRIDGE_API_TOKEN']).toBeUndefined();
    expect(p.env['WEBHOOK_BRIDGE_EXECUTOR_TOKEN']).toBe(p.token);
    expect(p.env['WEBHOOK_BRIDGE_EXECUTOR_NONCE']).toBe(p.nonce);
    expect(p.secrets).toEqual(['gh-secret-value']);
    expect(p.args).toEqual(['/res/python/webhook_bridge_executor', '--host', '127.0.0.1', '--port', '0', '--plugin-dir', '/p1', '--plugin-dir', '/res/plugins', '--plugin-timeout', '30', '--log-level', 'warning']);
    expect(p.args.join(' ')).not.toContain(p.token);
    expect(p.socketDir).toBeNull();
  });

  it('sets VIRTUAL_ENV and PATH for a venv (venv_path, or pyvenv.cfg next to bin/)', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'wbx-unit-'));
    mkdirSync(path.join(dir, 'bin'));
    writeFileSync(path.join(dir, 'pyvenv.cfg'), 'home = /usr/bin\n');
    const py = path.join(dir, 'bin', 'python3');
    expect(virtualEnvOf(interp({ path: py }))).toBe(dir);
    const p = await prepareLaunch(interp({ path: py }), base());
    expect(p.env).toMatchObject({ VIRTUAL_ENV: dir, PATH: `${dir}/bin:/usr/bin` });
    expect(p.env['PYTHONHOME']).toBeUndefined();
    expect(virtualEnvOf(interp({ venv_path: '/v' }))).toBe('/v');
    expect(virtualEnvOf(interp())).toBeNull();
    rmSync(dir, { recursive: true });
  });

  it('makes a private 0700 folder for the unix socket', async () => {
    const p = await prepareLaunch(interp(), base({ transport: { kind: 'unix' } }));
    expect(p.socketDir).not.toBeNull();
    expect(statSync(p.socketDir as string).mode & 0o777).toBe(0o700);
    expect(p.args).toContain(path.join(p.socketDir as string, 'executor.sock'));
    rmSync(p.socketDir as string, { recursive: true });
  });
});

describe('transport and plugin folders', () => {
  it('uses the socket unless host/port are set or on Windows; a taken fixed port becomes a free one', () => {
    expect(transportOf(settings(), 'linux', false)).toEqual({ kind: 'unix' });
    expect(transportOf(settings(), 'win32', false)).toEqual({ kind: 'tcp', host: '127.0.0.1', port: 0 });
    expect(transportOf(settings({ executor: { port: 50051 } }), 'linux', false)).toEqual({ kind: 'tcp', host: '127.0.0.1', port: 50051 });
    expect(transportOf(settings({ executor: { port: 50051 } }), 'linux', true)).toEqual({ kind: 'tcp', host: '127.0.0.1', port: 0 });
    expect(transportOf(settings({ executor: { host: '::1' } }), 'darwin', false)).toEqual({ kind: 'tcp', host: '::1', port: 0 });
  });

  it('resolves plugin folders against the config folder, then adds the bundled examples', () => {
    const s = settings({ plugins: { dirs: ['plugins', '/abs', '~/mine'] } });
    expect(pluginDirsOf(s, '/cfg/config.yaml', '/res', '/home/u')).toEqual(['/cfg/plugins', '/abs', '/home/u/mine', '/res/plugins']);
  });

  it('joins repeated response headers for display', () => {
    expect(headerRecord([['X-Dup', '1'], ['x-dup', '2'], ['A', 'b']])).toEqual({ 'x-dup': '1, 2', a: 'b' });
  });

  it('groups response headers for sending: repeats kept in order, hop-by-hop and Content-Type left out', () => {
    const grouped = groupHeaders([['Set-Cookie', 'a=1'], ['X-Dup', '1'], ['set-cookie', 'b=2'], ['Connection', 'close'], ['Transfer-Encoding', 'chunked'], ['Content-Type', 'text/html'], ['x-dup', '2']]);
    expect([...grouped]).toEqual([['set-cookie', ['a=1', 'b=2']], ['x-dup', ['1', '2']]]);
  });
});
