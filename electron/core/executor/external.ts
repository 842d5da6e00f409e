/**
 * External mode: the user runs the executor (for example in a container) and the app connects to
 * host:port with the token from WEBHOOK_BRIDGE_EXECUTOR_TOKEN. Nothing is spawned, nothing is
 * restarted, and interpreter activation does not apply.
 */
import type { ConnectionState } from '../../../shared/dto/connection.js';
import { errorMessage } from '../app-error.js';
import { Emitter } from '../events.js';
import type { ActivationOutcome } from '../interpreters/registry.js';
import type { Logger } from '../logging/logger.js';
import { leaseReadyEndpoint, type BackendSnapshot, type ExecutorBackend, type Lease } from './backend.js';
import type { Exit } from '../process/exit.js';
import { Leases, type Endpoint } from './endpoint.js';
import { ExecutorClient } from './grpc-client.js';

export interface ExternalDeps {
  logger: Logger;
  /** host:port, or null when executor.port is not set. */
  address: string | null;
  token: string | null;
  protoDir: string;
  now: () => number;
  wall: () => Date;
  probeTimeoutMs: number;
  /** ExecuteStream streams when the executor lists the capability (0 = unary). */
  streams?: number;
}

class ExternalEndpoint implements Endpoint {
  readonly generation = 1;
  readonly interpreter = null;
  readonly leases = new Leases();
  readonly alive = true;
  readonly exited = new Promise<Exit>(() => undefined);
  healthy = false;
  pid: number | null = null;
  startedAt: Date;
  startedMono: number;

  constructor(
    readonly address: string,
    readonly client: ExecutorClient,
    wall: Date,
    mono: number,
  ) {
    this.startedAt = wall;
    this.startedMono = mono;
  }

  stderrTail(): string[] {
    return [];
  }
  async stop(): Promise<void> {
    this.client.close();
  }
  kill(): void {
    // not ours to kill
  }
}

export class ExternalExecutor implements ExecutorBackend {
  readonly mode = 'external' as const;
  private readonly changed = new Emitter<void>();
  readonly onDidChange = this.changed.event;
  private state: ConnectionState = 'disconnected';
  private endpoint: ExternalEndpoint | undefined;
  private lastError: string | null = null;
  private refreshing = false;
  private readonly log: Logger;

  constructor(private readonly deps: ExternalDeps) {
    this.log = deps.logger.child('executor');
  }

  snapshot(): BackendSnapshot {
    return {
      state: this.state,
      mode: this.mode,
      current: this.endpoint?.healthy ? this.endpoint : undefined,
      target: null,
      restarts: 0,
      lastError: this.lastError,
      failureTail: [],
      switchingTo: null,
      pool: { size: 0, processes: [] },
    };
  }

  readyEndpoint(): Endpoint | undefined {
    return this.endpoint?.healthy ? this.endpoint : undefined;
  }

  endpointToProbe(): Endpoint | undefined {
    return this.endpoint;
  }

  endpointsToProbe(): Endpoint[] {
    return this.endpoint ? [this.endpoint] : [];
  }

  lease(waitMs: number): Promise<Lease> {
    return leaseReadyEndpoint(this, waitMs);
  }

  private set(state: ConnectionState): void {
    this.state = state;
    this.changed.fire();
  }

  async start(): Promise<void> {
    const { address, token } = this.deps;
    if (!address) return this.fail('executor.mode is external but executor.port is not set');
    if (!token) return this.fail('executor.mode is external: set WEBHOOK_BRIDGE_EXECUTOR_TOKEN to the token the executor was started with');
    const client = new ExecutorClient({ address, token, protoDir: this.deps.protoDir, ...(this.deps.streams === undefined ? {} : { streams: this.deps.streams }) });
    this.endpoint = new ExternalEndpoint(address, client, this.deps.wall(), this.deps.now());
    this.set('connecting');
    await this.refresh();
  }

  private fail(message: string): void {
    this.lastError = message;
    this.log.error(message);
    this.set('failed');
  }

  /** One HealthCheck: SERVING makes it connected (and refreshes the pid), anything else reconnecting. */
  private async refresh(): Promise<void> {
    const ep = this.endpoint;
    if (!ep || this.refreshing) return;
    this.refreshing = true;
    try {
      const info = await ep.client.executorHealth({ deadlineMs: this.deps.probeTimeoutMs });
      if (info.status !== 'SERVING') throw new Error(`it reports ${info.status}`);
      if (ep.pid !== info.pid) {
        ep.pid = info.pid;
        ep.startedAt = new Date(this.deps.wall().getTime() - info.uptimeSeconds * 1000);
        ep.startedMono = this.deps.now() - info.uptimeSeconds * 1000;
      }
      ep.healthy = true;
      this.log.info(`connected to the external executor at ${ep.address} (pid ${info.pid}, ${info.pythonImplementation} ${info.pythonVersion}; webhooks over ${ep.client.dataPath === 'stream' ? 'streams' : 'unary calls'})`);
      this.set('connected');
    } catch (err) {
      ep.healthy = false;
      this.lastError = `the external executor at ${ep.address} does not answer: ${errorMessage(err)}`;
      this.set('reconnecting');
    } finally {
      this.refreshing = false;
    }
  }

  reportProbe(ep: Endpoint, ok: boolean, detail: string): void {
    if (ep !== this.endpoint) return;
    if (ok && this.state !== 'connected') void this.refresh();
    if (!ok && ep.healthy) {
      ep.healthy = false;
      this.lastError = `the external executor at ${ep.address} stopped answering: ${detail}`;
      this.log.error(this.lastError);
      this.set('reconnecting');
    }
  }

  async switchTo(): Promise<ActivationOutcome> {
    return {
      switched: false,
      message: `executor.mode is external: the executor at ${this.deps.address ?? '(no address)'} runs under its own Python, so activation does not apply to it`,
    };
  }

  async restart(): Promise<void> {
    if (!this.endpoint) return this.start();
    await this.refresh();
  }

  async stop(): Promise<void> {
    const ep = this.endpoint;
    this.endpoint = undefined;
    await ep?.stop();
    if (this.state !== 'disconnected') this.set('disconnected');
  }
}

