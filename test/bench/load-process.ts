/**
 * The bench's load generator in a process of its own (spawned by remote-load.ts), so the CPU it
 * spends making requests is not counted as the bridge's, and the bridge and the anchor are driven
 * the same way: closed-loop callers in this process, over HTTP keep-alive (webhooks) or a grpc-js
 * client (the anchor). Commands come over the IPC channel; each answers with a RunResult.
 */
import http from 'node:http';
import * as grpc from '@grpc/grpc-js';
import { drive } from './drive.js';

export type LoadTarget = { kind: 'http'; url: string; path: string } | { kind: 'anchor'; port: number };
export interface LoadCommand {
  target: LoadTarget;
  concurrency: number;
  ms: number;
}

const BODY = Buffer.from('{"event":"bench","n":1}');
const bytes = (b: Buffer): Buffer => b;

function httpCaller(url: string, path: string): () => Promise<boolean> {
  const u = new URL(`${url}${path}`);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  return () =>
    new Promise((resolve, reject) => {
      const req = http.request(
        { host: u.hostname, port: u.port, path: u.pathname, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': BODY.length } },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode === 200));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(BODY);
    });
}

function anchorCaller(port: number): () => Promise<boolean> {
  const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  return () =>
    new Promise((resolve) => {
      client.makeUnaryRequest('/bench.Anchor/Call', bytes, bytes, BODY, new grpc.Metadata(), {}, (err, res) => resolve(!err && res !== undefined && res.length > 0));
    });
}

const callers = new Map<string, () => Promise<boolean>>();

function callerFor(t: LoadTarget): () => Promise<boolean> {
  const key = JSON.stringify(t);
  let c = callers.get(key);
  if (!c) {
    c = t.kind === 'http' ? httpCaller(t.url, t.path) : anchorCaller(t.port);
    callers.set(key, c);
  }
  return c;
}

process.on('message', (msg: LoadCommand) => {
  drive(callerFor(msg.target), msg.concurrency, msg.ms).then(
    (r) => process.send?.({ ok: true, result: r }),
    (err: unknown) => process.send?.({ ok: false, error: String(err) }),
  );
});
process.on('disconnect', () => process.exit(0));
