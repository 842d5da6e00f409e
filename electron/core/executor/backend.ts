/** What the service and the connection manager need of an executor backend (spawned or external). */
import type { ConnectionState, ExecutorProcess } from '../../../shared/dto/connection.js';
import { AppError } from '../app-error.js';
import type { Event } from '../events.js';
import type { ActivationOutcome, ResolvedInterpreter } from '../interpreters/registry.js';
import type { Endpoint } from './endpoint.js';

export interface BackendSnapshot {
  state: ConnectionState;
  mode: 'spawn' | 'external';
  /** The endpoint new calls go to (undefined while none is ready). */
  current: Endpoint | undefined;
  /** The interpreter it runs, or tries to run. */
  target: ResolvedInterpreter | null;
  /** Automatic restarts after a crash or a hang. */
  restarts: number;
  lastError: string | null;
  /** Stderr of the last attempt that failed (when no executor is running). */
  failureTail: string[];
  switchingTo: string | null;
  /** The processes of the serving pool (spawn mode; none in external mode). Errors not yet redacted. */
  pool: { size: number; processes: ExecutorProcess[] };
}

export interface Lease {
  readonly endpoint: Endpoint;
  release(): void;
}

export interface ExecutorBackend {
  readonly mode: 'spawn' | 'external';
  readonly onDidChange: Event<void>;
  snapshot(): BackendSnapshot;
  /** Starts; never throws for a broken interpreter (the state says `failed`). */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** A ready endpoint with one call counted on it; waits up to `waitMs` while (re)starting. Not `avoid` when another can serve. */
  lease(waitMs: number, avoid?: Endpoint): Promise<Lease>;
  /** The endpoint the connection test probes (the first serving one). */
  endpointToProbe(): Endpoint | undefined;
  /** Every endpoint the health monitor probes (each process of a pool). */
  endpointsToProbe(): Endpoint[];
  /** The health monitor's verdict: `ok: false` means hung or gone. */
  reportProbe(endpoint: Endpoint, ok: boolean, detail: string): void;
  /** Live switch to another interpreter (throws an AppError when it cannot start). */
  switchTo(target: ResolvedInterpreter): Promise<ActivationOutcome>;
  /** Restart under the active interpreter; resets `failed`. Never throws for a failed start. */
  restart(): Promise<void>;
}

export interface EndpointSource {
  /** The endpoint the next call goes to; another than `avoid` (a process that just failed to take a call) when there is one. */
  readyEndpoint(avoid?: Endpoint): Endpoint | undefined;
  snapshot(): BackendSnapshot;
  readonly onDidChange: Event<void>;
}

function leaseOf(endpoint: Endpoint): Lease {
  endpoint.leases.acquire();
  let released = false;
  return {
    endpoint,
    release() {
      if (released) return;
      released = true;
      endpoint.leases.release();
    },
  };
}

/** Takes a lease on the ready endpoint, waiting for one (bounded) while the executor starts or restarts. */
export async function leaseReadyEndpoint(b: EndpointSource, waitMs: number, avoid?: Endpoint): Promise<Lease> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const ep = b.readyEndpoint(avoid);
    if (ep) return leaseOf(ep);
    const snap = b.snapshot();
    if (snap.state === 'failed' || snap.state === 'disconnected') {
      throw new AppError('UNAVAILABLE', `the executor is ${snap.state}${snap.lastError ? `: ${snap.lastError}` : ''}`);
    }
    const left = deadline - Date.now();
    if (left <= 0) {
      throw new AppError('UNAVAILABLE', `the executor is not ready (${snap.state}) after waiting ${(waitMs / 1000).toFixed(1)} s${snap.lastError ? `: ${snap.lastError}` : ''}`);
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, left);
      const sub = b.onDidChange(done);
      function done(): void {
        clearTimeout(timer);
        sub.dispose();
        resolve();
      }
    });
  }
}
