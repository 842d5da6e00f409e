/** The shape every benchmark returns; `run.ts` puts them side by side in one report. */
export interface BenchMetric {
  metric: string;
  median: number;
  min: number;
  max: number;
  unit: string;
}

export interface BenchReport {
  name: string;
  results: BenchMetric[];
  notes: string[];
}
