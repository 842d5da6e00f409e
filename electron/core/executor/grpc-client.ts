/**
 * Typed gRPC client for the Python executor (proto/webhook_bridge.proto and
 * the standard grpc.health.v1 service). Every call carries `authorization:
 * Bearer <token>` and a deadline; failures reject with ExecutorError. No
 * module-level state: the proto directory and all settings come from the
 * constructor.
 *
 * Data path: once the executor's HealthCheck lists "execute-stream", execute()
 * goes over a few long-lived ExecuteStream streams on a second channel
 * (stream-client.ts); before that, or for an executor of an older version,
 * one unary ExecutePlugin per call. Health and admin calls stay unary on the
 * first channel, so they never queue behind webhooks.
 */
import * as grpc from '@grpc/grpc-js';
import { ExecutorError, toExecutorError } from './grpc-errors.js';
import { loadProtocol, type Method, type ProtocolMethods } from './grpc-protocol.js';
import { DEFAULT_EXECUTE_STREAMS, StreamMultiplexer } from './stream-client.js';
import {
  decodeExecuteResponse,
  decodeExecutorHealth,
  decodeHealthStatus,
  decodePluginInfo,
  decodePluginList,
  EXECUTE_STREAM_CAPABILITY,
  type CallOptions,
  type ExecuteRequest,
  type ExecuteResponse,
  type ExecutorHealth,
  type HealthStatus,
  type PluginInfo,
} from './grpc-types.js';

export * from './grpc-types.js';
export * from './grpc-errors.js';

const DEFAULT_MAX_MESSAGE_BYTES = 32 * 1024 * 1024;
// Codes only the executor itself answers with: a call ending so was answered (progress).
// DEADLINE_EXCEEDED, UNAVAILABLE, CANCELLED, INTERNAL, UNKNOWN... may come from this side or the transport.
const ANSWERED_CODES: ReadonlySet<number> = new Set<number>([
  grpc.status.OK,
  grpc.status.INVALID_ARGUMENT,
  grpc.status.NOT_FOUND,
  grpc.status.UNAUTHENTICATED,
  grpc.status.PERMISSION_DENIED,
  grpc.status.FAILED_PRECONDITION,
  grpc.status.UNIMPLEMENTED,
]);

/** True when a call that ended with this gRPC status code was answered by the executor itself. */
export function answeredByExecutor(grpcCode: number): boolean {
  return ANSWERED_CODES.has(grpcCode);
}

export interface ExecutorClientOptions {
  /** "unix:/abs/path.sock" or "127.0.0.1:PORT", as the executor's handshake reports it. */
  address: string;
  /** Bearer token the executor was spawned with (WEBHOOK_BRIDGE_EXECUTOR_TOKEN). */
  token: string;
  /** Directory holding webhook_bridge.proto and health.proto. */
  protoDir: string;
  /** Deadline of list/info/health calls without their own (default 5000 ms). */
  defaultDeadlineMs?: number;
  /** Deadline of execute() without its own: request timeoutMs + 2000, else this (default 35000 ms). */
  executeDeadlineMs?: number;
  /** Largest message either way (default 32 MiB, same as the executor). */
  maxMessageBytes?: number;
  /** Streams for execute() when the executor serves ExecuteStream; 0 = always unary (default DEFAULT_EXECUTE_STREAMS). */
  streams?: number;
}

export interface HealthWatchHandlers {
  onStatus: (status: HealthStatus) => void;
  /** Called once when the stream fails; not called after cancel(). */
  onError?: (err: ExecutorError) => void;
  /** Called when the server ends the stream (e.g. on executor shutdown). */
  onEnd?: () => void;
}

export class ExecutorClient {
  readonly address: string;
  private readonly client: grpc.Client;
  private readonly methods: ProtocolMethods;
  private readonly token: string;
  private readonly defaultDeadlineMs: number;
  private readonly executeDeadlineMs: number;
  private closed = false;
  private answeredCount = 0;
  private readonly channelOptions: grpc.ChannelOptions;
  private readonly streamCount: number;
  private streamsValue: { mux: StreamMultiplexer; channel: grpc.Client } | undefined;

  constructor(opts: ExecutorClientOptions) {
    if (opts.token === '') throw new Error('ExecutorClient needs a non-empty token');
    this.address = opts.address;
    this.token = opts.token;
    this.defaultDeadlineMs = opts.defaultDeadlineMs ?? 5_000;
    this.executeDeadlineMs = opts.executeDeadlineMs ?? 35_000;
    this.methods = loadProtocol(opts.protoDir);
    this.streamCount = opts.streams ?? DEFAULT_EXECUTE_STREAMS;
    const maxBytes = opts.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    this.channelOptions = {
      // A local socket: never route through an HTTP proxy from the environment.
      'grpc.enable_http_proxy': 0,
      // Our own subchannel: never share a connection with another client
      // (e.g. one still pointing at a previous executor's socket).
      'grpc.use_local_subchannel_pool': 1,
      'grpc.max_receive_message_length': maxBytes,
      'grpc.max_send_message_length': maxBytes,
      // The executor restarts in well under a second; reconnect quickly.
      'grpc.initial_reconnect_backoff_ms': 100,
      'grpc.max_reconnect_backoff_ms': 1_000,
    };
    this.client = new grpc.Client(opts.address, grpc.credentials.createInsecure(), this.channelOptions);
  }

  /** How execute() reaches the executor now: 'stream' once its HealthCheck listed "execute-stream". */
  get dataPath(): 'stream' | 'unary' {
    return this.streamsValue ? 'stream' : 'unary';
  }

  /**
   * Follows the capabilities of the executor's HealthCheck answer: streams when it lists
   * "execute-stream" (and streams are wanted), else unary. Called for every HealthCheck answer.
   */
  private adopt(capabilities: readonly string[]): void {
    const want = this.streamCount > 0 && !this.closed && capabilities.includes(EXECUTE_STREAM_CAPABILITY);
    if (want && !this.streamsValue) {
      const channel = new grpc.Client(this.address, grpc.credentials.createInsecure(), this.channelOptions);
      const mux = new StreamMultiplexer({
        channel,
        method: this.methods.stream,
        metadata: this.metadata(),
        streams: this.streamCount,
        onAnswered: () => void this.answeredCount++,
      });
      this.streamsValue = { mux, channel };
    } else if (!want && this.streamsValue) this.dropStreams();
  }

  private dropStreams(): void {
    const s = this.streamsValue;
    this.streamsValue = undefined;
    s?.mux.close();
    s?.channel.close();
  }

  /** Run one webhook through a plugin. Plugin failures come back in-band (statusCode/error). */
  execute(req: ExecuteRequest, opts: CallOptions = {}): Promise<ExecuteResponse> {
    const timeoutMs = req.timeoutMs ?? 0;
    const deadlineMs = opts.deadlineMs ?? (timeoutMs > 0 ? timeoutMs + 2_000 : this.executeDeadlineMs);
    const message = {
      requestId: req.requestId,
      plugin: req.plugin,
      method: req.method,
      path: req.path,
      headers: req.headers,
      query: req.query,
      body: Buffer.isBuffer(req.body) ? req.body : Buffer.from(req.body.buffer, req.body.byteOffset, req.body.byteLength),
      contentType: req.contentType,
      timeoutMs,
      deadlineMs,
      verifiedReplay: req.verifiedReplay === true,
    };
    const streams = this.streamsValue;
    if (!streams) return this.unary(this.methods.execute, message, decodeExecuteResponse, opts, deadlineMs);
    return streams.mux.execute(message, opts.signal).then(decodeExecuteResponse, (err: unknown) => {
      if (!(err instanceof ExecutorError) || err.code !== 'UNIMPLEMENTED') throw err;
      // it listed the capability but does not serve the rpc: nothing ran, so go unary from now on
      if (this.streamsValue === streams) this.dropStreams();
      return this.unary(this.methods.execute, message, decodeExecuteResponse, opts, deadlineMs);
    });
  }

  listPlugins(opts: CallOptions = {}): Promise<PluginInfo[]> {
    return this.unary(this.methods.list, {}, decodePluginList, opts);
  }

  /** Rejects with NOT_FOUND when there is no such plugin. */
  getPluginInfo(name: string, opts: CallOptions = {}): Promise<PluginInfo> {
    return this.unary(this.methods.info, { name }, decodePluginInfo, opts);
  }

  /**
   * Calls the executor has answered so far (any RPC: a result, an in-band refusal such as 503 busy,
   * or an error only it gives). The health monitor tells "busy" (this moves) from "hung" (it does not).
   */
  get answered(): number {
    return this.answeredCount;
  }

  /** Standard grpc.health.v1.Health/Check ("" = the whole executor). */
  servingStatus(opts: CallOptions & { service?: string } = {}): Promise<HealthStatus> {
    return this.unary(this.methods.check, { service: opts.service ?? '' }, decodeHealthStatus, opts);
  }

  /** The executor's own HealthCheck: identity (nonce, pid, python) and counters. */
  executorHealth(opts: CallOptions = {}): Promise<ExecutorHealth> {
    return this.unary(this.methods.healthCheck, {}, decodeExecutorHealth, opts).then((health) => {
      this.adopt(health.capabilities);
      return health;
    });
  }

  /**
   * Standard grpc.health.v1.Health/Watch: onStatus gets the current status
   * at once and then every change. Runs until cancel(), the server ending it
   * or `deadlineMs` (if given) passing.
   */
  watchHealth(handlers: HealthWatchHandlers, opts: { service?: string; deadlineMs?: number } = {}): { cancel(): void } {
    const options: grpc.CallOptions = opts.deadlineMs === undefined ? {} : { deadline: Date.now() + opts.deadlineMs };
    const m = this.methods.watch;
    const call = this.client.makeServerStreamRequest(
      m.path, m.requestSerialize, m.responseDeserialize, { service: opts.service ?? '' }, this.metadata(), options,
    );
    let cancelled = false;
    let failed = false;
    call.on('data', (data: unknown) => {
      try {
        handlers.onStatus(decodeHealthStatus(data));
      } catch (err) {
        failed = true;
        call.cancel();
        handlers.onError?.(toExecutorError(err));
      }
    });
    call.on('error', (err: unknown) => {
      if (!cancelled && !failed) handlers.onError?.(toExecutorError(err));
    });
    call.on('end', () => {
      if (!cancelled && !failed) handlers.onEnd?.();
    });
    return {
      cancel: () => {
        cancelled = true;
        call.cancel();
      },
    };
  }

  /** Resolves once the channel is connected; rejects with UNAVAILABLE after deadlineMs. */
  waitForReady(deadlineMs: number = this.defaultDeadlineMs): Promise<void> {
    return new Promise((resolve, reject) => {
      this.client.waitForReady(Date.now() + deadlineMs, (err) => {
        if (err) reject(new ExecutorError(grpc.status.UNAVAILABLE, `executor at ${this.address} is not reachable: ${err.message}`));
        else resolve();
      });
    });
  }

  /** Closes the channel; calls in flight fail with CANCELLED or UNAVAILABLE. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.dropStreams();
    this.client.close();
  }

  private metadata(): grpc.Metadata {
    const metadata = new grpc.Metadata();
    metadata.set('authorization', `Bearer ${this.token}`);
    return metadata;
  }

  private unary<T>(
    method: Method,
    message: object,
    decode: (value: unknown) => T,
    opts: CallOptions,
    fallbackDeadlineMs: number = this.defaultDeadlineMs,
  ): Promise<T> {
    if (this.closed) return Promise.reject(new ExecutorError(grpc.status.CANCELLED, 'executor client is closed'));
    if (opts.signal?.aborted) return Promise.reject(new ExecutorError(grpc.status.CANCELLED, 'call aborted before it started'));
    const deadline = Date.now() + (opts.deadlineMs ?? fallbackDeadlineMs);
    return new Promise<T>((resolve, reject) => {
      const signal = opts.signal;
      const onAbort = (): void => call.cancel();
      const call = this.client.makeUnaryRequest(
        method.path,
        method.requestSerialize,
        method.responseDeserialize,
        message,
        this.metadata(),
        { deadline },
        (err, value) => {
          signal?.removeEventListener('abort', onAbort);
          if (!err || answeredByExecutor(err.code)) this.answeredCount++;
          if (err) return reject(toExecutorError(err));
          try {
            resolve(decode(value));
          } catch (decodeErr) {
            reject(toExecutorError(decodeErr));
          }
        },
      );
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
