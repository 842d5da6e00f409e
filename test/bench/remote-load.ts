/**
 * Drives load from a separate process (load-process.ts) and measures, from /proc, what each call
 * cost the server side: the bridge's Node process (or nothing, for the anchor), the Python side,
 * and the load generator itself, reported apart.
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunResult } from './drive.js';
import type { LoadCommand, LoadTarget } from './load-process.js';
import { delta, usage } from './procstat.js';

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'load-process.ts');

export interface RemoteCost extends RunResult {
  /** CPU µs per call of the server's Node process (0 when there is none: the anchor). */
  nodeUs: number;
  /** CPU µs per call of the Python side. */
  pyUs: number;
  /** Context switches per call of the Python side's threads. */
  switches: number;
  /** CPU µs per call of the load generator (its HTTP or grpc-js client). */
  loadUs: number;
}

export interface RemoteLoad {
  run(target: LoadTarget, concurrency: number, ms: number, nodePids: () => number[], pythonPids: () => number[]): Promise<RemoteCost>;
  stop(): void;
}

export function startRemoteLoad(): RemoteLoad {
  const child: ChildProcess = fork(CHILD, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const send = (cmd: LoadCommand): Promise<RunResult> =>
    new Promise((resolve, reject) => {
      const onExit = (): void => reject(new Error('the load generator exited'));
      child.once('exit', onExit);
      child.once('message', (m: { ok: boolean; result?: RunResult; error?: string }) => {
        child.off('exit', onExit);
        if (m.ok && m.result) resolve(m.result);
        else reject(new Error(`load generator: ${m.error ?? 'no result'}`));
      });
      child.send(cmd);
    });
  return {
    async run(target, concurrency, ms, nodePids, pythonPids) {
      const [np, pp, lp] = [nodePids(), pythonPids(), [child.pid as number]];
      const [n0, p0, l0] = [usage(np), usage(pp), usage(lp)];
      const r = await send({ target, concurrency, ms });
      const [n, p, l] = [delta(n0, usage(np)), delta(p0, usage(pp)), delta(l0, usage(lp))];
      const per = (x: number): number => (r.calls ? x / r.calls : 0);
      return { ...r, nodeUs: per(n.cpuMs * 1000), pyUs: per(p.cpuMs * 1000), switches: per(p.switches), loadUs: per(l.cpuMs * 1000) };
    },
    stop() {
      if (child.connected) child.disconnect();
      setTimeout(() => child.kill('SIGKILL'), 2_000).unref();
    },
  };
}
