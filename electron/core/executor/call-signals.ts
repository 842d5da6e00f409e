/**
 * What the gateway tells observers about its calls and switches, without knowing who listens (the
 * metrics wing, `core/metrics/`): a finished call (plugin, HTTP status, duration), a finished
 * switch, and the calls under way and waiting for a ready executor. Built by `createCore` and
 * handed to `createExecutor`, so one core's observers never see another core's calls.
 */
import { Emitter, type Event } from '../events.js';

export interface FinishedCall {
  plugin: string;
  /** The HTTP status the caller gets: the plugin's own, or the one of the error raised instead. */
  status: number;
  durationMs: number;
  /** False when the executor said it has no plugin by that name (gRPC NOT_FOUND). */
  knownPlugin: boolean;
}

export interface FinishedSwitch {
  /** The interpreter switched to. */
  to: string;
  durationMs: number;
  /** switched: the new executor serves; unchanged: nothing to switch; failed: the old one kept serving. */
  outcome: 'switched' | 'unchanged' | 'failed';
}

export class CallSignals {
  private readonly calls = new Emitter<FinishedCall>();
  private readonly switches = new Emitter<FinishedSwitch>();
  private inFlightCount = 0;
  private waitingCount = 0;

  readonly onDidFinishCall: Event<FinishedCall> = this.calls.event;
  readonly onDidFinishSwitch: Event<FinishedSwitch> = this.switches.event;

  /** Calls between the start of `execute` and their answer (or error). */
  get inFlight(): number {
    return this.inFlightCount;
  }

  /** Calls waiting for a ready executor (a lease) right now. */
  get waiting(): number {
    return this.waitingCount;
  }

  /** A call began; it waits for a lease until `leased()`. */
  callStarted(): void {
    this.inFlightCount++;
    this.waitingCount++;
  }

  /** The call got its lease, or gave up waiting for one. */
  leased(): void {
    this.waitingCount = Math.max(0, this.waitingCount - 1);
  }

  callFinished(call: FinishedCall): void {
    this.inFlightCount = Math.max(0, this.inFlightCount - 1);
    this.calls.fire(call);
  }

  switchFinished(s: FinishedSwitch): void {
    this.switches.fire(s);
  }

  dispose(): void {
    this.calls.dispose();
    this.switches.dispose();
  }
}
