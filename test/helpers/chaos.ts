/**
 * Chaos and benchmark helpers: HTTP webhook traffic (open-loop at a rate, or closed-loop at a
 * concurrency) with every outcome recorded, and /proc scans for executor processes, descriptors,
 * memory and process states. Linux only (the suites that use it skip elsewhere).
 */
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import http from 'node:http';

// --- traffic ---------------------------------------------------------------------------------

export interface Outcome {
  /** Monotonic ms when the request was sent. */
  sentAt: number;
  latencyMs: number;
  /** HTTP status, or 0 when no answer came (connection error or the client-side timeout). */
  status: number;
  retryAfter: string | null;
  /** First bytes of the body (for failure reports). */
  body: string;
  error: string | null;
}

export interface TrafficSummary {
  sent: number;
  answered: number;
  ok: number;
  /** Everything that is not a 2xx. */
  failed: number;
  byStatus: Record<string, number>;
  maxLatencyMs: number;
  p50Ms: number;
  p99Ms: number;
  outcomes: Outcome[];
}

export function summarizeTraffic(outcomes: Outcome[]): TrafficSummary {
  const byStatus: Record<string, number> = {};
  for (const o of outcomes) byStatus[String(o.status)] = (byStatus[String(o.status)] ?? 0) + 1;
  const lat = outcomes.map((o) => o.latencyMs).sort((a, b) => a - b);
  const pct = (p: number): number => Math.round((lat[Math.min(lat.length - 1, Math.max(0, Math.ceil(p * lat.length) - 1))] ?? 0) * 10) / 10;
  const ok = outcomes.filter((o) => o.status >= 200 && o.status < 300).length;
  return {
    sent: outcomes.length,
    answered: outcomes.filter((o) => o.status !== 0).length,
    ok,
    failed: outcomes.length - ok,
    byStatus,
    maxLatencyMs: Math.round((lat.at(-1) ?? 0) * 10) / 10,
    p50Ms: pct(0.5),
    p99Ms: pct(0.99),
    outcomes,
  };
}

export interface WebhookClient {
  /** One POST to /api/v1/webhook/<plugin>; never rejects (failures are outcomes). */
  send(): Promise<Outcome>;
  close(): void;
}

/**
 * A keep-alive HTTP client for one plugin. `timeoutMs` is the client's own limit: a request with no
 * answer by then is recorded as status 0 with error "client timeout" (a hang the test reports).
 */
/** Sockets are not capped by default: open-loop senders are independent clients, none queues behind another. */
export function webhookClient(baseUrl: string, opts: { plugin?: string; timeoutMs?: number; maxSockets?: number } = {}): WebhookClient {
  const u = new URL(`${baseUrl}/api/v1/webhook/${opts.plugin ?? 'noop'}`);
  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.maxSockets ?? Infinity });
  const body = Buffer.from('{"event":"chaos","n":1}');
  const timeoutMs = opts.timeoutMs ?? 30_000;
  return {
    send() {
      const sentAt = performance.now();
      return new Promise<Outcome>((resolve) => {
        let settled = false;
        const done = (o: Omit<Outcome, 'sentAt' | 'latencyMs'>): void => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve({ sentAt, latencyMs: performance.now() - sentAt, ...o });
        };
        const req = http.request(
          { host: u.hostname, port: u.port, path: u.pathname, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': body.length } },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => {
              const ra = res.headers['retry-after'];
              done({ status: res.statusCode ?? 0, retryAfter: typeof ra === 'string' ? ra : null, body: Buffer.concat(chunks).toString('utf8').slice(0, 300), error: null });
            });
            res.on('error', (err) => done({ status: 0, retryAfter: null, body: '', error: err.message }));
          },
        );
        const timer = setTimeout(() => {
          done({ status: 0, retryAfter: null, body: '', error: `client timeout after ${timeoutMs} ms` });
          req.destroy();
        }, timeoutMs);
        req.on('error', (err) => done({ status: 0, retryAfter: null, body: '', error: err.message }));
        req.end(body);
      });
    },
    close() {
      agent.destroy();
    },
  };
}

export interface Traffic {
  /** Outcomes so far (requests still running are not in it). */
  readonly outcomes: Outcome[];
  /** Requests started so far. */
  readonly started: number;
  /** Stops sending and waits for every request in flight. */
  stop(): Promise<TrafficSummary>;
}

/** Open loop: one request every 1000/rate ms whatever the answers (as webhook senders do). */
export function rateTraffic(client: WebhookClient, perSecond: number): Traffic {
  const outcomes: Outcome[] = [];
  const pending = new Set<Promise<void>>();
  let started = 0;
  const t0 = performance.now();
  const interval = 1000 / perSecond;
  let timer: NodeJS.Timeout | undefined;
  let running = true;
  const tick = (): void => {
    if (!running) return;
    // catch up after a late timer, so the rate holds on a busy machine
    const due = Math.floor((performance.now() - t0) / interval) + 1;
    while (started < due) {
      started++;
      const p: Promise<void> = client.send().then((o) => {
        outcomes.push(o);
        pending.delete(p);
      });
      pending.add(p);
    }
    timer = setTimeout(tick, Math.max(1, t0 + started * interval - performance.now()));
  };
  tick();
  return {
    outcomes,
    get started() {
      return started;
    },
    async stop() {
      running = false;
      clearTimeout(timer);
      while (pending.size > 0) await Promise.all([...pending]);
      return summarizeTraffic(outcomes);
    },
  };
}

/** Closed loop: `concurrency` senders, each sending its next request when the last one is answered. */
export function concurrentTraffic(client: WebhookClient, concurrency: number): Traffic {
  const outcomes: Outcome[] = [];
  let running = true;
  let started = 0;
  const workers = Array.from({ length: concurrency }, async () => {
    while (running) {
      started++;
      outcomes.push(await client.send());
    }
  });
  return {
    outcomes,
    get started() {
      return started;
    },
    async stop() {
      running = false;
      await Promise.all(workers);
      return summarizeTraffic(outcomes);
    },
  };
}

// --- /proc -----------------------------------------------------------------------------------

export interface ProcInfo {
  pid: number;
  ppid: number;
  /** R, S, D, T (stopped), Z (zombie)… */
  state: string;
  argv: string[];
}

export function procInfo(pid: number): ProcInfo | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const after = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((s) => s !== '');
    return { pid, ppid: Number(after[1]), state: after[0] ?? '?', argv };
  } catch {
    return null;
  }
}

/** Every process whose command line contains all of `needles`. */
export function findProcesses(...needles: string[]): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const info = procInfo(Number(name));
    if (!info || info.argv.length === 0) continue;
    const line = info.argv.join(' ');
    if (needles.every((n) => line.includes(n))) out.push(info);
  }
  return out;
}

/** Executor processes (python … webhook_bridge_executor …) whose command line also contains `marker` (e.g. a test's own plugin folder). */
export function executorProcesses(marker: string): ProcInfo[] {
  return findProcesses('webhook_bridge_executor', marker).filter((p) => p.state !== 'Z');
}

/** Running (not a zombie, not gone). */
export function processRunning(pid: number): boolean {
  const info = procInfo(pid);
  return info !== null && info.state !== 'Z';
}

/** Orphans: processes among `procs` whose parent is not `expectedParent` (reparented to init or a subreaper) or is gone. */
export function orphansOf(procs: ProcInfo[], expectedParent: number): ProcInfo[] {
  return procs.filter((p) => p.ppid !== expectedParent || !processRunning(p.ppid));
}

/** Resident set size in bytes (VmRSS), or null when the process is gone. */
export function rssBytes(pid: number): number | null {
  try {
    const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** Open descriptors of a process: fd number → what it points at (`socket:[123]`, `pipe:[45]`, a path). */
export function openFds(pid: number | 'self' = 'self'): Map<number, string> {
  const out = new Map<number, string>();
  let names: string[];
  try {
    names = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return out;
  }
  for (const fd of names) {
    try {
      out.set(Number(fd), readlinkSync(`/proc/${pid}/fd/${fd}`));
    } catch {
      // closed meanwhile (the readdir's own descriptor, among others)
    }
  }
  return out;
}

/** Descriptor kinds and counts: `{socket: 12, pipe: 6, anon_inode:[eventpoll]: 1, file: 20}`. */
export function fdKinds(fds: Map<number, string>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const target of fds.values()) {
    const kind = /^(socket|pipe):/.exec(target)?.[1] ?? (target.startsWith('anon_inode:') ? target : target.startsWith('/') ? 'file' : target);
    out[kind] = (out[kind] ?? 0) + 1;
  }
  return out;
}

export async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

/** Polls `cond` every 20 ms; resolves with the elapsed ms, rejects after `timeoutMs`. */
export async function waitFor(cond: () => boolean, timeoutMs: number, what: string): Promise<number> {
  const t0 = performance.now();
  while (!cond()) {
    if (performance.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
  return performance.now() - t0;
}
