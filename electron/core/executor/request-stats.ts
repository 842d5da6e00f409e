import type { RequestStats } from '../../../shared/dto/connection.js';

/** Webhook counters and latency percentiles over a sliding window (time- and count-bounded). */
export class RequestStatsTracker {
  private total = 0;
  private failed = 0;
  private inFlight = 0;
  private readonly times: Float64Array;
  private readonly latencies: Float64Array;
  private next = 0;
  private filled = 0;
  private version = 0;

  constructor(
    private readonly now: () => number,
    private readonly windowMs = 60_000,
    capacity = 4096,
  ) {
    this.times = new Float64Array(capacity);
    this.latencies = new Float64Array(capacity);
  }

  /** Changes with every begin/end: lets the manager tell whether there is news. */
  get changes(): number {
    return this.version;
  }

  begin(): void {
    this.inFlight++;
    this.version++;
  }

  end(latencyMs: number, ok: boolean): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
    this.total++;
    if (!ok) this.failed++;
    this.times[this.next] = this.now();
    this.latencies[this.next] = latencyMs;
    this.next = (this.next + 1) % this.times.length;
    this.filled = Math.min(this.filled + 1, this.times.length);
    this.version++;
  }

  snapshot(): RequestStats {
    const cutoff = this.now() - this.windowMs;
    const recent: number[] = [];
    for (let i = 0; i < this.filled; i++) if ((this.times[i] ?? 0) >= cutoff) recent.push(this.latencies[i] ?? 0);
    recent.sort((a, b) => a - b);
    return { total: this.total, failed: this.failed, in_flight: this.inFlight, p50_ms: percentile(recent, 0.5), p99_ms: percentile(recent, 0.99) };
  }
}

/** Nearest-rank percentile of sorted values, rounded to 0.01 ms; null when empty. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
  return Math.round((sorted[rank] ?? 0) * 100) / 100;
}
