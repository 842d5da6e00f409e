/** Test helpers for the renderer's unit tests: a scripted transport and sample DTOs. */
import { vi } from 'vitest';
import type { OperationName } from '../../shared/contract';
import type { ConfigView } from '../../shared/dto/config';
import type { ConnectionStatus } from '../../shared/dto/connection';
import type { InterpreterList, InterpreterView } from '../../shared/dto/interpreters';
import type { LogEntry } from '../../shared/dto/logs';
import { createApi, type Api } from '../../renderer/src/api/client';
import type { Subscription, Transport } from '../../renderer/src/api/transport';

export type Handler = (input: unknown) => unknown;

export interface FakeApi {
  api: Api;
  calls: Array<{ name: OperationName; input: unknown }>;
  /** Answers (or throws) for one operation; a function is called with the input. */
  on(name: OperationName, answer: Handler): void;
  /** The subscriber the app registered (to push events from a test). */
  subscriber(): Subscription;
}

export function fakeApi(): FakeApi {
  const handlers = new Map<OperationName, Handler>();
  const calls: FakeApi['calls'] = [];
  let sub: Subscription | null = null;
  const transport: Transport = {
    kind: 'http',
    call: vi.fn(async (name: OperationName, input: unknown) => {
      calls.push({ name, input });
      const h = handlers.get(name);
      if (!h) throw new Error(`no fake answer for ${name}`);
      return h(input);
    }),
    subscribe(s) {
      sub = s;
      return () => {
        sub = null;
      };
    },
  };
  return {
    api: createApi(transport),
    calls,
    on: (name, answer) => handlers.set(name, answer),
    subscriber: () => {
      if (!sub) throw new Error('nothing subscribed');
      return sub;
    },
  };
}

/** A promise with its resolve function (to answer a call later than an event). */
export function deferred<T>(): { promise: Promise<T>; resolve(v: T): void; reject(e: unknown): void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

export function interp(key: string, over: Partial<InterpreterView> = {}): InterpreterView {
  return {
    key,
    name: key,
    path: `/usr/bin/${key}`,
    venv_path: null,
    use_uv: false,
    required_packages: [],
    environment: {},
    active: false,
    status: 'unknown',
    status_reason: null,
    version: null,
    implementation: null,
    kind: null,
    validated: null,
    last_validated: null,
    validation_error: null,
    legacy: false,
    ...over,
  };
}

export function interpList(revision: number, keys: string[], active: string | null = null): InterpreterList {
  return { revision, active, pinned_by: null, active_error: null, interpreters: keys.map((k) => interp(k, { active: k === active })) };
}

export function connection(revision: number, over: Partial<ConnectionStatus> = {}): ConnectionStatus {
  return {
    revision,
    state: 'connected',
    mode: 'spawn',
    interpreter: 'default',
    interpreter_path: '/usr/bin/python3',
    pid: 1234,
    generation: 1,
    address: 'unix:/tmp/x.sock',
    started_at: '2026-01-01T00:00:00.000Z',
    uptime_s: 10,
    restarts: 0,
    last_error: null,
    stderr_tail: [],
    health_latency_ms: 1.5,
    switching_to: null,
    requests: { total: 0, failed: 0, in_flight: 0, p50_ms: null, p99_ms: null },
    pool: { size: 1, serving: 1, processes: [{ index: 0, pid: 1234, generation: 1, state: 'serving', in_flight: 0, restarts: 0, started_at: '2026-01-01T00:00:00.000Z', last_error: null }] },
    bound: [],
    ...over,
  };
}

export function configView(revision: number, over: Partial<ConfigView> = {}): ConfigView {
  return {
    revision,
    path: '/tmp/config.yaml',
    valid: true,
    errors: [],
    warnings: [],
    external_change_at: null,
    loaded_at: '2026-01-01T00:00:00.000Z',
    values: [
      { key: 'python.active_interpreter', value: 'default', source: 'file' },
      { key: 'python.venv_path', value: '.venv', source: 'file' },
      { key: 'python.auto_download_uv', value: true, source: 'default' },
      { key: 'logging.level', value: 'info', source: 'environment', env: 'WEBHOOK_BRIDGE_LOG_LEVEL' },
    ],
    ...over,
  };
}

export function logEntry(seq: number, message = `line ${seq}`, level: LogEntry['level'] = 'info', instance = 'run-1'): LogEntry {
  return { instance, seq, time: '2026-01-01T00:00:00.000Z', level, source: 'core', message };
}
