/** Closed-loop load for the benches: callers back to back for a time, with latency percentiles (remote-load.ts adds, from /proc, what each call cost). */

const pct = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? 0;

export interface RunResult {
  rps: number;
  p50: number;
  p99: number;
  failed: number;
  calls: number;
}

/** `concurrency` callers of `call` for `ms`; throughput and latency percentiles. */
/** A call with no answer by then counts as failed, so a lost call cannot hang the whole bench. */
const CALL_LIMIT_MS = 15_000;

function bounded(call: () => Promise<boolean>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => {
      console.error(`  a call got no answer within ${CALL_LIMIT_MS / 1000} s: counted as failed`);
      resolve(false);
    }, CALL_LIMIT_MS);
  });
  return Promise.race([call().catch(() => false), limit]).finally(() => clearTimeout(timer));
}

export async function drive(call: () => Promise<boolean>, concurrency: number, ms: number): Promise<RunResult> {
  const latencies: number[] = [];
  let failed = 0;
  const end = performance.now() + ms;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const s = performance.now();
        const ok = await bounded(call);
        latencies.push(performance.now() - s);
        if (!ok) failed++;
      }
    }),
  );
  const elapsed = performance.now() - t0;
  latencies.sort((a, b) => a - b);
  return { rps: (latencies.length / elapsed) * 1000, p50: pct(latencies, 0.5), p99: pct(latencies, 0.99), failed, calls: latencies.length };
}
