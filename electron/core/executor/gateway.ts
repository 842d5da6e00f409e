/**
 * The `Executor` the core and the REST adapter use: routes each call to the serving executor
 * (waiting a bounded time while it starts or restarts), gives every gRPC call a deadline, maps
 * gRPC failures to AppErrors and feeds the connection manager's statistics.
 */
import { randomBytes } from 'node:crypto';
import type { ConnectionStatus, ConnectionTest } from '../../../shared/dto/connection.js';
import type { ExecutorHealth } from '../../../shared/dto/config.js';
import { httpStatusOf } from '../../../shared/errors.js';
import type { PluginInfo, PluginList, PluginTestInput, PluginTestResult } from '../../../shared/dto/plugins.js';
import { errorMessage } from '../app-error.js';
import type { ActivationOutcome, ResolvedInterpreter } from '../interpreters/registry.js';
import type { ExecuteOptions, Executor, HeaderPair, WebhookRequest, WebhookResponse } from '../services.js';
import type { ExecutorBackend, Lease } from './backend.js';
import type { CallSignals } from './call-signals.js';
import type { Endpoint } from './endpoint.js';
import type { ExecutorClient } from './grpc-client.js';
import { neverReachedExecutor } from './grpc-errors.js';
import { distributionFor } from '../interpreters/module-map.js';
import type { ConnectionManager } from './connection-status.js';
import type { BackendRouter } from './router.js';
import { toAppError } from './error-map.js';
import type { HttpHeader, PluginInfo as GrpcPluginInfo } from './grpc-types.js';

export interface ServiceTuning {
  /** How long a call waits for an executor that is (re)starting. */
  requestWaitMs: number;
  /** Deadline of each probe of test(). */
  probeTimeoutMs: number;
  testProbes: number;
}

export interface ServiceDeps {
  manager: ConnectionManager;
  /** Picks each call's backend: the active interpreter's, or a bound interpreter's. */
  router: Pick<BackendRouter, 'lease' | 'bindingOf'>;
  /** Plugin time limit (executor.timeout), read at each call. */
  pluginTimeoutMs: () => number;
  /** Monotonic ms. */
  now: () => number;
  tuning: ServiceTuning;
  /** After the backend started (following config edits begins here). */
  onStart?: () => Promise<void>;
  /** Before the backend stops. */
  onStop?: () => Promise<void>;
  /** Told of every call and switch (the metrics listen). */
  signals?: CallSignals;
}

function pluginDto(p: GrpcPluginInfo, interpreter: string | null): PluginInfo {
  const style = p.style === 'request' || p.style === 'legacy' ? p.style : null;
  const missing = p.missingModule ? { module: p.missingModule, package: distributionFor(p.missingModule) } : null;
  const ack = p.ack === 'immediate' || p.ack === 'sync' ? p.ack : null;
  return {
    name: p.name, description: p.description, methods: p.methods, available: p.available, error: p.error, source: p.sourcePath,
    has_secret: p.hasSecret, style, missing, interpreter, ack, max_concurrency: p.maxConcurrency,
  };
}

/** For display (the dashboard's test result): lower-case names, repeats joined with ", " (HTTP's list rule). */
export function headerRecord(headers: readonly HeaderPair[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of headers) {
    const key = name.toLowerCase();
    out[key] = out[key] === undefined ? value : `${out[key]}, ${value}`;
  }
  return out;
}

/**
 * The dashboard's test request, run through `execute` (the gateway's, or a wrapper's: the inbox
 * records test requests like any webhook).
 */
export async function runTestRequest(execute: (r: WebhookRequest) => Promise<WebhookResponse>, input: PluginTestInput, now: () => number): Promise<PluginTestResult> {
  const body = input.body === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(input.body));
  const contentType = body.length > 0 ? 'application/json' : '';
  const t0 = now();
  const res = await execute({
    plugin: input.name,
    method: input.method,
    path: `/api/v1/webhook/${input.name}`,
    headers: { 'user-agent': 'webhook-bridge-dashboard', ...(contentType ? { 'content-type': contentType } : {}) },
    query: input.query ?? '',
    body,
    contentType,
  });
  const shown = headerRecord(res.headers);
  const headers = res.contentType ? { ...shown, 'content-type': res.contentType } : shown;
  return { status: res.status, headers, body: res.body.toString('utf8'), duration_ms: round2(now() - t0) };
}

const median = (sorted: number[]): number | null => (sorted.length === 0 ? null : (sorted[Math.floor((sorted.length - 1) / 2)] ?? null));
const round2 = (n: number): number => Math.round(n * 100) / 100;

export class ExecutorGateway implements Executor {
  private readonly idPrefix = randomBytes(3).toString('hex');
  private seq = 0;

  constructor(private readonly deps: ServiceDeps) {}

  private get backend(): ExecutorBackend {
    return this.deps.manager.backend;
  }

  async start(): Promise<void> {
    this.deps.manager.start();
    await this.backend.start();
    await this.deps.onStart?.();
  }

  async stop(): Promise<void> {
    await this.deps.onStop?.();
    this.deps.manager.stop();
    await this.backend.stop();
    this.deps.manager.dispose();
  }

  /** The serving executor with one call counted on it (diagnostics and benchmarks: direct gRPC calls). Release it. */
  lease(waitMs = this.deps.tuning.requestWaitMs): Promise<Lease> {
    return this.backend.lease(waitMs);
  }

  mode(): 'spawn' | 'external' {
    return this.backend.mode;
  }

  readiness(): ExecutorHealth {
    const snap = this.backend.snapshot();
    const interp = snap.current?.interpreter ?? snap.target;
    return { state: snap.state, serving: snap.state === 'connected' && snap.current !== undefined, interpreter: interp?.key ?? null };
  }

  status(): ConnectionStatus {
    return this.deps.manager.status();
  }

  runningInterpreter(): string | null {
    const snap = this.backend.snapshot();
    return (snap.current?.interpreter ?? snap.target)?.key ?? null;
  }

  async switchTo(target: ResolvedInterpreter): Promise<ActivationOutcome> {
    const t0 = this.deps.now();
    let outcome: 'switched' | 'unchanged' | 'failed' = 'failed';
    try {
      const result = await this.backend.switchTo(target);
      outcome = result.switched ? 'switched' : 'unchanged';
      return result;
    } finally {
      this.deps.signals?.switchFinished({ to: target.key, durationMs: this.deps.now() - t0, outcome });
    }
  }

  restart(): Promise<void> {
    return this.backend.restart();
  }

  async test(): Promise<ConnectionTest> {
    const ep = this.backend.endpointToProbe();
    const empty = { pid: null, address: null, python_version: null, implementation: null, executable: null, plugins: null };
    if (!ep) {
      const snap = this.backend.snapshot();
      return { ok: false, status: 'UNREACHABLE', probes: 0, latency_ms: { min: null, median: null, max: null }, executor: empty, error: snap.lastError ?? `the executor is ${snap.state}` };
    }
    const { testProbes, probeTimeoutMs } = this.deps.tuning;
    const latencies: number[] = [];
    let status = 'UNREACHABLE';
    let error: string | null = null;
    for (let i = 0; i < testProbes; i++) {
      const t0 = this.deps.now();
      try {
        status = await ep.client.servingStatus({ deadlineMs: probeTimeoutMs });
        latencies.push(round2(this.deps.now() - t0));
      } catch (err) {
        status = 'UNREACHABLE';
        error = errorMessage(err);
      }
    }
    let executor: ConnectionTest['executor'] = { ...empty, pid: ep.pid, address: ep.address || null };
    try {
      const h = await ep.client.executorHealth({ deadlineMs: probeTimeoutMs });
      executor = { pid: h.pid, address: ep.address || null, python_version: h.pythonVersion, implementation: h.pythonImplementation, executable: h.pythonExecutable, plugins: h.pluginCount };
    } catch (err) {
      error ??= errorMessage(err);
    }
    latencies.sort((a, b) => a - b);
    return {
      ok: latencies.length === testProbes && status === 'SERVING',
      status,
      probes: testProbes,
      latency_ms: { min: latencies[0] ?? null, median: median(latencies), max: latencies.at(-1) ?? null },
      executor,
      error,
    };
  }

  /** The active executor's list; a bound plugin's entry comes from its own interpreter's executor (started if need be). */
  async listPlugins(): Promise<PluginList> {
    const wait = this.deps.tuning.requestWaitMs;
    const listed = await this.onLease(this.backend.lease(wait), 'listing plugins', (c, deadlineMs) => c.listPlugins({ deadlineMs }));
    const plugins = await Promise.all(
      listed.map(async (p): Promise<PluginInfo> => {
        const bound = this.deps.router.bindingOf(p.name);
        if (bound === null) return pluginDto(p, null);
        try {
          return await this.getPlugin(p.name);
        } catch (err) {
          return { ...pluginDto(p, bound), available: false, missing: null, error: errorMessage(err) };
        }
      }),
    );
    return { plugins };
  }

  async getPlugin(name: string): Promise<PluginInfo> {
    const lease = this.deps.router.lease(name, this.deps.tuning.requestWaitMs);
    const info = await this.onLease(lease, `plugin '${name}'`, (c, deadlineMs) => c.getPluginInfo(name, { deadlineMs }));
    return pluginDto(info, this.deps.router.bindingOf(name));
  }

  /** One admin call on a leased executor, with its deadline and errors mapped. */
  private async onLease<T>(leasing: Promise<Lease>, what: string, call: (c: Lease['endpoint']['client'], deadlineMs: number) => Promise<T>): Promise<T> {
    const lease = await leasing;
    try {
      return await call(lease.endpoint.client, this.deps.pluginTimeoutMs() + 5_000);
    } catch (err) {
      throw toAppError(err, what);
    } finally {
      lease.release();
    }
  }

  testPlugin(input: PluginTestInput): Promise<PluginTestResult> {
    return runTestRequest((r) => this.execute(r), input, this.deps.now);
  }

  /**
   * Runs `call` on a leased executor (the least busy process of the pool). A call that never
   * reached its process (it died a moment ago, before the pool noticed) goes once to another
   * process that serves right now: it cannot have run, so this is safe for any plugin. With no
   * other serving process it fails at once, as before (no waiting for a restart).
   */
  private async onPool<T>(lease: (waitMs: number, avoid?: Endpoint) => Promise<Lease>, call: (client: ExecutorClient, endpoint: Endpoint) => Promise<T>, onLeased?: () => void): Promise<T> {
    const first = await lease(this.deps.tuning.requestWaitMs).finally(() => onLeased?.());
    let failure: unknown;
    try {
      return await call(first.endpoint.client, first.endpoint);
    } catch (err) {
      if (!neverReachedExecutor(err)) throw err;
      failure = err;
    } finally {
      first.release();
    }
    const other = await lease(0, first.endpoint).catch(() => undefined);
    if (!other) throw failure;
    try {
      return await call(other.endpoint.client, other.endpoint);
    } finally {
      other.release();
    }
  }

  async execute(request: WebhookRequest, options: ExecuteOptions = {}): Promise<WebhookResponse> {
    const { manager, signals } = this.deps;
    const t0 = this.deps.now();
    let ok = false;
    let status = 500;
    let knownPlugin = true;
    manager.stats.begin();
    signals?.callStarted();
    try {
      const { res, endpoint } = await this.onPool(
        (waitMs, avoid) => this.deps.router.lease(request.plugin, waitMs, options.interpreter, avoid),
        (client, leased) =>
          client.execute({
            requestId: `${this.idPrefix}-${++this.seq}`,
            plugin: request.plugin,
            method: request.method,
            path: request.path,
            headers: Object.entries(request.headers).map(([name, value]) => ({ name, value })),
            query: request.query,
            body: request.body,
            contentType: request.contentType,
            timeoutMs: this.deps.pluginTimeoutMs(),
            ...(options.verifiedReplay ? { verifiedReplay: true } : {}),
          }, options.signal ? { signal: options.signal } : {}).then((r) => ({ res: r, endpoint: leased })),
        () => signals?.leased(),
      );
      ok = res.statusCode < 500;
      status = res.statusCode;
      const headers = res.headers.map(({ name, value }: HttpHeader): HeaderPair => [name, value]);
      const servedBy = { interpreter: endpoint.interpreter?.key ?? null, generation: endpoint.generation, pid: endpoint.pid };
      return { status: res.statusCode, headers, body: res.body, contentType: res.contentType, error: res.error, logs: res.logs, servedBy };
    } catch (err) {
      const e = toAppError(err, `plugin '${request.plugin}'`);
      status = httpStatusOf(e.code);
      knownPlugin = e.code !== 'NOT_FOUND';
      throw e;
    } finally {
      manager.stats.end(this.deps.now() - t0, ok);
      manager.metricsChanged();
      signals?.callFinished({ plugin: request.plugin, status, durationMs: this.deps.now() - t0, knownPlugin });
    }
  }
}
