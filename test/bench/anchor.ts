/**
 * The anchor of the throughput bench (issue 14): `anchor_server.py`, a grpcio no-op unary server
 * with one worker thread, called by a grpc-js client with the same body a webhook carries. It runs
 * in the same bench run as the bridge, in interleaved rounds, so ratios compare like with like.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SERVER = path.join(HERE, 'anchor_server.py');
const BODY = Buffer.from('{"event":"bench","n":1}');
const SERVING = Buffer.from([0x08, 0x01]);
const bytes = (b: Buffer): Buffer => b;

export interface Anchor {
  pid: number;
  /** Its TCP port on 127.0.0.1 (the load process calls it with a client of its own). */
  port: number;
  /** One no-op call; true when it answered. */
  call(): Promise<boolean>;
  stop(): Promise<void>;
}

function unary(client: grpc.Client, method: string, body: Buffer, deadlineMs?: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const options = deadlineMs === undefined ? {} : { deadline: Date.now() + deadlineMs };
    client.makeUnaryRequest(method, bytes, bytes, body, new grpc.Metadata(), options, (err, res) => (err || !res ? reject(err ?? new Error('no answer')) : resolve(res)));
  });
}

async function spawnServer(python: string): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(python, [SERVER], { stdio: ['pipe', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    const lines = readline.createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      const m = /^PORT (\d+)$/.exec(line);
      if (m) resolve(Number(m[1]));
    });
    child.on('exit', (code) => reject(new Error(`the anchor server exited (${code}) before listening`)));
    child.on('error', reject);
  });
  return { child, port };
}

function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.stdin?.end();
    setTimeout(() => child.kill('SIGKILL'), 2_000).unref();
  });
}

export async function startAnchor(python: string): Promise<Anchor> {
  const { child, port } = await spawnServer(python);
  const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  return {
    pid: child.pid as number,
    port,
    call: () => unary(client, '/bench.Anchor/Call', BODY).then((r) => r.length > 0),
    async stop() {
      client.close();
      await stopServer(child);
    },
  };
}

/**
 * A bare grpcio server's cold start: spawn → grpc.health.v1 Check answers SERVING (polled, like
 * the bridge waits for its executor), through a fresh channel.
 */
export async function anchorColdStartMs(python: string): Promise<number> {
  const t0 = performance.now();
  const { child, port } = await spawnServer(python);
  const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  try {
    for (;;) {
      const res = await unary(client, '/grpc.health.v1.Health/Check', Buffer.alloc(0), 1_000).catch(() => null);
      if (res?.equals(SERVING)) return performance.now() - t0;
      if (performance.now() - t0 > 15_000) throw new Error('the anchor server never answered SERVING');
    }
  } finally {
    client.close();
    await stopServer(child);
  }
}
