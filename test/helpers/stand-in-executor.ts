/**
 * A grpc-js server speaking the executor protocol, for fault injection only (streams broken on
 * command, replies withheld, capabilities chosen): the real executor is Python, and every test of
 * behaviour uses it. Plugins by name:
 *   echo         answers at once; the body is JSON { id, stream } (stream = which stream served it)
 *   hold         reports `started`, then never answers
 *   quiet        never reports anything (not started, no answer)
 *   retry-ok     like quiet the first time an id is seen, answers like echo the second time
 *   missing      error_code NOT_FOUND
 *   stopping     error_code UNAVAILABLE, started=false (what a stopping executor answers)
 */
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { REPO_ROOT } from './bridge.js';

interface CallMessage {
  requestId: string;
  plugin: string;
  deadlineMs: number;
}

interface Frame {
  call?: CallMessage | null;
  cancelRequestId?: string;
}

type Duplex = grpc.ServerDuplexStream<Frame, object>;

export interface StandIn {
  address: string;
  token: string;
  /** Calls seen, by request id (a retried call is seen twice). */
  seen: Map<string, number>;
  /** Cancel frames received, in order. */
  cancels: string[];
  /** Frames' deadline_ms by request id. */
  deadlines: Map<string, number>;
  unaryCalls: number;
  streamsOpened: number;
  /** Streams open now. */
  open: Set<Duplex>;
  /** Ends every open stream with this status (the stream breaks). */
  breakStreams(code?: number): void;
  stop(): Promise<void>;
}

export async function startStandIn(opts: { capabilities: string[]; serveStream?: boolean; token?: string }): Promise<StandIn> {
  const protoDir = path.join(REPO_ROOT, 'proto');
  const def = protoLoader.loadSync([path.join(protoDir, 'webhook_bridge.proto'), path.join(protoDir, 'health.proto')], {
    includeDirs: [protoDir], keepCase: false, longs: String, enums: String, bytes: Buffer, defaults: true, arrays: true,
  });
  const pkg = grpc.loadPackageDefinition(def) as unknown as {
    webhook_bridge: { v1: { WebhookExecutor: { service: grpc.ServiceDefinition } } };
    grpc: { health: { v1: { Health: { service: grpc.ServiceDefinition } } } };
  };
  const token = opts.token ?? 'stand-in-token';
  const authorized = (md: grpc.Metadata): boolean => md.get('authorization')[0] === `Bearer ${token}`;
  const server = new grpc.Server();
  const state: StandIn = {
    address: '', token, seen: new Map(), cancels: [], deadlines: new Map(), unaryCalls: 0, streamsOpened: 0, open: new Set(),
    breakStreams(code = grpc.status.UNAVAILABLE) {
      for (const call of [...state.open]) call.emit('error', { code, details: 'stream broken by the test' });
      state.open.clear();
    },
    stop: async () => server.forceShutdown(),
  };
  const response = (id: string, stream: number): object => ({
    requestId: id, statusCode: 200, headers: [], body: Buffer.from(JSON.stringify({ id, stream })), contentType: 'application/json', error: '', executionTimeMs: 0.1, logs: [],
  });

  const impl: grpc.UntypedServiceImplementation = {
    HealthCheck: (_call: grpc.ServerUnaryCall<object, object>, cb: grpc.sendUnaryData<object>) =>
      cb(null, { status: 'SERVING', nonce: '', pid: process.pid, pythonVersion: 'stand-in', capabilities: opts.capabilities }),
    ExecutePlugin: (call: grpc.ServerUnaryCall<CallMessage, object>, cb: grpc.sendUnaryData<object>) => {
      if (!authorized(call.metadata)) return cb({ code: grpc.status.UNAUTHENTICATED, details: 'bad token' });
      state.unaryCalls++;
      return cb(null, response(call.request.requestId, -1));
    },
    ListPlugins: (_c: unknown, cb: grpc.sendUnaryData<object>) => cb(null, { plugins: [] }),
    GetPluginInfo: (_c: unknown, cb: grpc.sendUnaryData<object>) => cb({ code: grpc.status.NOT_FOUND, details: 'no such plugin' }),
  };
  if (opts.serveStream !== false) {
    impl['ExecuteStream'] = (call: Duplex) => {
      if (!authorized(call.metadata)) {
        call.emit('error', { code: grpc.status.UNAUTHENTICATED, details: 'bad token' });
        return;
      }
      const index = state.streamsOpened++;
      state.open.add(call);
      call.on('close', () => state.open.delete(call));
      call.on('error', () => state.open.delete(call));
      call.on('end', () => state.open.delete(call));
      call.on('data', (frame: Frame) => {
        if (frame.cancelRequestId) {
          state.cancels.push(frame.cancelRequestId);
          return;
        }
        const c = frame.call;
        if (!c) return;
        const times = (state.seen.get(c.requestId) ?? 0) + 1;
        state.seen.set(c.requestId, times);
        state.deadlines.set(c.requestId, c.deadlineMs);
        const id = c.requestId;
        if (c.plugin === 'echo' || (c.plugin === 'retry-ok' && times > 1)) call.write({ requestId: id, response: response(id, index), started: true });
        else if (c.plugin === 'hold') call.write({ requestId: id, started: true });
        else if (c.plugin === 'missing') call.write({ requestId: id, errorCode: 'NOT_FOUND', errorMessage: `no plugin named '${c.plugin}'` });
        else if (c.plugin === 'stopping') call.write({ requestId: id, errorCode: 'UNAVAILABLE', errorMessage: 'the executor is stopping', started: false });
      });
    };
  }
  server.addService(pkg.webhook_bridge.v1.WebhookExecutor.service, impl);
  server.addService(pkg.grpc.health.v1.Health.service, {
    Check: (_c: unknown, cb: grpc.sendUnaryData<object>) => cb(null, { status: 'SERVING' }),
    Watch: (call: grpc.ServerWritableStream<object, object>) => call.write({ status: 'SERVING' }),
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  state.address = `127.0.0.1:${port}`;
  return state;
}
