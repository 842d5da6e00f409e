/** The shape every benchmark returns; `run.ts` puts them side by side in one report. */
export interface BenchMetric {
  metric: string;
  median: number;
  min: number;
  max: number;
  unit: string;
}

/** One goal of an issue, as measured in this run: met, not met, or null when it could not be measured. */
export interface BenchGoal {
  goal: string;
  measured: string;
  met: boolean | null;
}

export interface BenchReport {
  name: string;
  results: BenchMetric[];
  notes: string[];
  goals?: BenchGoal[];
}

const round = (n: number): number => Math.round(n * 100) / 100;

/** Median, min and max of repeated measurements, rounded to 0.01. */
export function summarize(metric: string, values: number[], unit: string): BenchMetric {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  const median = s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
  return { metric, median: round(median), min: round(s[0] ?? 0), max: round(s.at(-1) ?? 0), unit };
}
