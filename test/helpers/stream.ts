/** A raw ExecuteStream client for the executor tests: @grpc/grpc-js with the proto loaded by @grpc/proto-loader. */
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

export interface StreamCall {
  requestId: string;
  plugin: string;
  method?: string;
  path?: string;
  headers?: { name: string; value: string }[];
  query?: string;
  body?: Buffer;
  contentType?: string;
  timeoutMs?: number;
  deadlineMs?: number;
  verifiedReplay?: boolean;
}

export interface LogLine {
  level: string;
  message: string;
  atMs: number;
}

export interface PluginResponse {
  requestId: string;
  statusCode: number;
  headers: { name: string; value: string }[];
  body: Buffer;
  contentType: string;
  error: string;
  executionTimeMs: number;
  logs: LogLine[];
}

export interface StreamReply {
  requestId: string;
  response: PluginResponse | null;
  errorCode: string;
  errorMessage: string;
  started: boolean;
}

interface Duplex {
  write(frame: unknown): boolean;
  end(): void;
  cancel(): void;
  on(event: 'data', cb: (reply: StreamReply) => void): void;
  on(event: 'error', cb: (err: grpc.ServiceError) => void): void;
  on(event: 'status', cb: (status: grpc.StatusObject) => void): void;
}

type Unary = (req: object, md: grpc.Metadata, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res: Record<string, unknown>) => void) => void;

interface RawClient extends grpc.Client {
  ExecuteStream(md: grpc.Metadata): Duplex;
  ExecutePlugin: Unary;
  HealthCheck: Unary;
}

export class RawExecutor {
  private readonly client: RawClient;
  private readonly health: grpc.Client & { Check: Unary };

  constructor(address: string, private readonly token: string, protoDir: string) {
    const def = protoLoader.loadSync(['webhook_bridge.proto', 'health.proto'].map((f) => path.join(protoDir, f)), { includeDirs: [protoDir], keepCase: false, longs: String, enums: String, bytes: Buffer, defaults: true, arrays: true });
    const pkg = grpc.loadPackageDefinition(def) as unknown as { webhook_bridge: { v1: { WebhookExecutor: new (a: string, c: grpc.ChannelCredentials) => RawClient } }; grpc: { health: { v1: { Health: new (a: string, c: grpc.ChannelCredentials) => grpc.Client & { Check: Unary } } } } };
    this.client = new pkg.webhook_bridge.v1.WebhookExecutor(address, grpc.credentials.createInsecure());
    this.health = new pkg.grpc.health.v1.Health(address, grpc.credentials.createInsecure());
  }

  private md(): grpc.Metadata {
    const md = new grpc.Metadata();
    md.set('authorization', `Bearer ${this.token}`);
    return md;
  }

  private unary<T>(client: object, name: string, req: object, deadlineMs = 10_000): Promise<T> {
    const fn = (client as Record<string, Unary>)[name]!;
    return new Promise((resolve, reject) => {
      fn.call(client, req, this.md(), { deadline: Date.now() + deadlineMs }, (err, res) => (err ? reject(err) : resolve(res as unknown as T)));
    });
  }

  executorHealth(deadlineMs?: number): Promise<{ status: string; capabilities: string[]; abandonedCalls: number }> {
    return this.unary(this.client, 'HealthCheck', {}, deadlineMs);
  }

  async servingStatus(deadlineMs?: number): Promise<string> {
    return (await this.unary<{ status: string }>(this.health, 'Check', { service: '' }, deadlineMs)).status;
  }

  execute(call: StreamCall): Promise<PluginResponse> {
    return this.unary(this.client, 'ExecutePlugin', withDefaults(call));
  }

  open(): Stream {
    return new Stream(this.client.ExecuteStream(this.md()));
  }

  close(): void {
    this.client.close();
    this.health.close();
  }
}

function withDefaults(call: StreamCall): object {
  return { method: 'POST', path: `/hooks/${call.plugin}`, headers: [], query: '', body: Buffer.from('{}'), contentType: 'application/json', ...call };
}

/** One ExecuteStream: send calls and cancels, await final replies by request id, see the order they
 * came in; started notices (neither response nor errorCode) are kept apart, in `notices`. */
export class Stream {
  readonly order: string[] = [];
  readonly notices: string[] = [];
  readonly replies = new Map<string, StreamReply[]>();
  private readonly waiters = new Map<string, ((r: StreamReply) => void)[]>();
  readonly ended: Promise<grpc.StatusObject>;

  constructor(private readonly duplex: Duplex) {
    duplex.on('data', (reply) => {
      if (reply.response === null && reply.errorCode === '') {
        this.notices.push(reply.requestId);
        return;
      }
      this.order.push(reply.requestId);
      this.replies.set(reply.requestId, [...(this.replies.get(reply.requestId) ?? []), reply]);
      for (const resolve of this.waiters.get(reply.requestId) ?? []) resolve(reply);
      this.waiters.delete(reply.requestId);
    });
    this.ended = new Promise((resolve) => {
      duplex.on('error', () => undefined); // the status event below carries it
      duplex.on('status', resolve);
    });
  }

  /** Sends a call; resolves with its (first) reply. */
  call(call: StreamCall): Promise<StreamReply> {
    const reply = this.reply(call.requestId);
    this.duplex.write({ call: withDefaults(call) });
    return reply;
  }

  reply(requestId: string): Promise<StreamReply> {
    const got = this.replies.get(requestId)?.[0];
    if (got) return Promise.resolve(got);
    return new Promise((resolve) => this.waiters.set(requestId, [...(this.waiters.get(requestId) ?? []), resolve]));
  }

  cancel(requestId: string): void {
    this.duplex.write({ cancelRequestId: requestId });
  }

  end(): void {
    this.duplex.end();
  }

  abort(): void {
    this.duplex.cancel();
  }
}
