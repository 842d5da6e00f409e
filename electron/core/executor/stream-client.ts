/**
 * The streamed data path to one executor: webhook calls travel over a few long-lived ExecuteStream
 * streams (proto/webhook_bridge.proto) on a channel of their own, matched by request_id.
 *
 * - A call goes to the stream with the fewest calls in flight; a slot whose stream broke is opened
 *   again by the next call that picks it.
 * - Deadline: the call carries `deadline_ms` (the executor answers 504 before it passes), and one
 *   timer for the whole multiplexer answers the caller DEADLINE_EXCEEDED at the deadline even when
 *   the executor never replies (a cancel frame then tells the executor to drop the call).
 * - Cancellation: the caller's AbortSignal sends `cancel_request_id` and fails the call CANCELLED.
 * - A request_id must be unique among the calls in flight (the executor refuses a duplicate on a
 *   stream, and replies are matched by it): a call whose id is in flight already, or empty, is
 *   refused INVALID_ARGUMENT at once and the call in flight goes on untouched (it was lost before:
 *   its reply matched nothing, no deadline covered it, and its caller waited for ever).
 * - A reply with `error_code` fails the call with that gRPC status, exactly as ExecutePlugin would,
 *   marked `notStarted` when the reply says `started=false` (the gateway may then send it to another
 *   process of the pool: `neverReachedExecutor`).
 * - A broken stream fails only its calls in flight. One known not to have started is sent again
 *   once on another stream (same request_id); any other fails UNAVAILABLE saying it may have run.
 *   Only an explicit `started=false` reply marks a failure `notStarted`.
 *   "Known not started": no `started` notice came for it from an executor that sends such notices
 *   (a reply with neither response nor error_code), or the stream broke before the executor
 *   answered anything on it (refused, or dead at once). An executor that reports `started` only
 *   in its final reply leaves a call on a stream that has answered before unknown: not retried.
 * No Metadata object, deadline or HTTP/2 stream per call: those are paid once per stream.
 */
import * as grpc from '@grpc/grpc-js';
import { ExecutorError, toExecutorError } from './grpc-errors.js';
import type { Method } from './grpc-protocol.js';
import { decodeStreamReply, type StreamFrame } from './grpc-types.js';

/** Streams per executor: 4 measured best of 1/2/4/8 at c=32 (throughput and Node CPU per call; README, Calls). */
export const DEFAULT_EXECUTE_STREAMS = 4;

/** An ExecutePluginRequest as proto-loader serializes it (camelCase); deadlineMs is set here. */
export interface StreamCallMessage {
  requestId: string;
  deadlineMs: number;
}

export interface StreamMultiplexerOptions {
  /** A channel used for nothing else, so admin and health calls never queue behind webhooks. */
  channel: grpc.Client;
  method: Method;
  /** Sent once per stream (the bearer token). */
  metadata: grpc.Metadata;
  streams: number;
  /** Every reply the executor sends (progress, for the health monitor's busy-vs-hung test). */
  onAnswered: () => void;
}

type Duplex = grpc.ClientDuplexStream<StreamFrame, unknown>;

function codeOf(name: string): number {
  const code: unknown = (grpc.status as unknown as Record<string, unknown>)[name];
  return typeof code === 'number' ? code : grpc.status.UNKNOWN;
}

class Lane {
  readonly inflight = new Map<string, StreamCall>();
  broken = false;
  /** The executor has sent something on this stream. */
  answered = false;
  constructor(readonly call: Duplex) {}

  send(frame: StreamFrame): boolean {
    if (this.broken) return false;
    try {
      this.call.write(frame);
      return true;
    } catch {
      return false;
    }
  }
}

/** One call in flight; it is its own abort listener (no closure per call). */
class StreamCall {
  lane: Lane | undefined;
  started = false;
  retried = false;
  readonly deadlineAt: number;

  constructor(
    private readonly mux: StreamMultiplexer,
    readonly message: StreamCallMessage,
    readonly resolve: (raw: unknown) => void,
    readonly reject: (err: ExecutorError) => void,
    readonly signal: AbortSignal | undefined,
  ) {
    this.deadlineAt = Date.now() + message.deadlineMs;
  }

  handleEvent(): void {
    this.mux.cancel(this, new ExecutorError(grpc.status.CANCELLED, 'the call was cancelled: its caller went away'));
  }
}

export class StreamMultiplexer {
  private readonly lanes: Array<Lane | undefined>;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;
  private closed = false;
  /** The executor sends `started` notices before final replies. */
  private notices = false;

  constructor(private readonly opts: StreamMultiplexerOptions) {
    this.lanes = new Array<Lane | undefined>(Math.max(1, opts.streams)).fill(undefined);
  }

  /** Streams open now (for tests and status). */
  get openStreams(): number {
    return this.lanes.filter((l) => l !== undefined).length;
  }

  /** Resolves with the raw ExecutePluginResponse; rejects with an ExecutorError. */
  execute(message: StreamCallMessage, signal?: AbortSignal): Promise<unknown> {
    if (this.closed) return Promise.reject(new ExecutorError(grpc.status.CANCELLED, 'executor client is closed'));
    if (signal?.aborted) return Promise.reject(new ExecutorError(grpc.status.CANCELLED, 'call aborted before it started'));
    const id = message.requestId;
    if (id === '' || this.lanes.some((lane) => lane?.inflight.has(id))) {
      const why = id === '' ? 'a call needs a request_id' : `request_id '${id}' is already in flight to this executor; each call in flight needs its own`;
      return Promise.reject(new ExecutorError(grpc.status.INVALID_ARGUMENT, why));
    }
    return new Promise<unknown>((resolve, reject) => {
      const call = new StreamCall(this, message, resolve, reject, signal);
      signal?.addEventListener('abort', call, { once: true });
      this.dispatch(call);
      if (call.deadlineAt < this.timerAt) this.arm(call.deadlineAt);
    });
  }

  /** Fails every call in flight CANCELLED and ends the streams. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    const err = new ExecutorError(grpc.status.CANCELLED, 'executor client is closed');
    for (const lane of this.lanes) {
      if (!lane) continue;
      lane.broken = true;
      for (const call of lane.inflight.values()) this.finish(call, err);
      lane.call.cancel();
    }
    this.lanes.fill(undefined);
  }

  /** Drops a call (caller gone, deadline passed): the executor is told, the caller answered `err`. */
  cancel(call: StreamCall, err: ExecutorError): void {
    const lane = call.lane;
    if (!lane || lane.inflight.get(call.message.requestId) !== call) return;
    lane.send({ cancelRequestId: call.message.requestId });
    this.finish(call, err);
  }

  private finish(call: StreamCall, err: ExecutorError | null, raw?: unknown): void {
    call.lane?.inflight.delete(call.message.requestId);
    call.lane = undefined;
    call.signal?.removeEventListener('abort', call);
    if (err) call.reject(err);
    else call.resolve(raw);
  }

  /** To the stream with the fewest calls (a broken one has left its slot, so a retry goes elsewhere). */
  private dispatch(call: StreamCall): void {
    let best = 0;
    let bestLoad = Infinity;
    for (let i = 0; i < this.lanes.length; i++) {
      const lane = this.lanes[i];
      const load = lane === undefined ? 0 : lane.inflight.size;
      if (load < bestLoad) {
        best = i;
        bestLoad = load;
      }
    }
    const lane = this.lanes[best] ?? this.open(best);
    call.lane = lane;
    lane.inflight.set(call.message.requestId, call);
    if (!lane.send({ call: call.message })) this.broke(lane, new ExecutorError(grpc.status.UNAVAILABLE, 'the stream to the executor is closed'));
  }

  private open(slot: number): Lane {
    const m = this.opts.method;
    const duplex = this.opts.channel.makeBidiStreamRequest(m.path, m.requestSerialize, m.responseDeserialize, this.opts.metadata, {}) as Duplex;
    const lane = new Lane(duplex);
    this.lanes[slot] = lane;
    duplex.on('data', (value: unknown) => this.onReply(lane, value));
    // 'status' comes exactly once, right after 'error' (a non-OK status) or at a clean end
    duplex.on('error', () => undefined);
    duplex.on('status', (status: grpc.StatusObject) => {
      const err = status.code === grpc.status.OK
        ? new ExecutorError(grpc.status.UNAVAILABLE, 'the executor ended the stream')
        : toExecutorError(status);
      this.broke(lane, err);
    });
    return lane;
  }

  private onReply(lane: Lane, value: unknown): void {
    let reply;
    try {
      reply = decodeStreamReply(value);
    } catch (err) {
      this.broke(lane, toExecutorError(err));
      lane.call.cancel();
      return;
    }
    this.opts.onAnswered();
    lane.answered = true;
    const call = lane.inflight.get(reply.requestId);
    if (!call) return; // cancelled or past its deadline already
    if (reply.errorCode !== '') {
      const notStarted = !reply.started && !call.started;
      this.finish(call, new ExecutorError(codeOf(reply.errorCode), reply.errorMessage || `the executor answered ${reply.errorCode}`, notStarted));
    } else if (reply.response !== null) {
      this.finish(call, null, reply.response);
    } else {
      this.notices = true;
      call.started = call.started || reply.started;
    }
  }

  /** A stream ended or failed: its calls in flight are retried once (not started) or failed. */
  private broke(lane: Lane, err: ExecutorError): void {
    if (lane.broken) return;
    lane.broken = true;
    const slot = this.lanes.indexOf(lane);
    if (slot !== -1) this.lanes[slot] = undefined;
    const calls = [...lane.inflight.values()];
    lane.inflight.clear();
    // the executor refused the stream itself: another stream would be refused the same way
    const retryable = err.code !== 'UNIMPLEMENTED' && err.code !== 'UNAUTHENTICATED';
    const unknownMeansNotStarted = this.notices || !lane.answered;
    for (const call of calls) {
      call.lane = undefined;
      const notStarted = !call.started && unknownMeansNotStarted;
      if (!this.closed && retryable && notStarted && !call.retried) {
        call.retried = true;
        this.dispatch(call);
      } else if (!notStarted) {
        this.finish(call, new ExecutorError(grpc.status.UNAVAILABLE, `the stream to the executor broke while the call was in flight; the plugin may have run, so it is not retried: ${err.message}`));
      } else {
        // not marked notStarted: "no notice yet" is not certain (a plugin that started an instant
        // before the process died, or an inline call whose notice waits for its 5 ms tick), so
        // the gateway never sends it to another process
        this.finish(call, err);
      }
    }
  }

  private arm(at: number): void {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(this.sweep, Math.max(0, at - Date.now()));
    this.timer.unref();
  }

  /** The one deadline timer: fails the calls past their deadline, then waits for the next one. */
  private readonly sweep = (): void => {
    this.timer = undefined;
    this.timerAt = Infinity;
    const now = Date.now();
    let next = Infinity;
    for (const lane of this.lanes) {
      if (!lane) continue;
      for (const call of lane.inflight.values()) {
        if (call.deadlineAt <= now) {
          this.cancel(call, new ExecutorError(grpc.status.DEADLINE_EXCEEDED, `no answer from the executor within ${call.message.deadlineMs} ms`));
        } else if (call.deadlineAt < next) next = call.deadlineAt;
      }
    }
    if (next !== Infinity) this.arm(next);
  };
}
