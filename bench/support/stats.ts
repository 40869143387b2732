/** Small statistics for benchmark figures: medians, p95 and ratios, printed in milliseconds. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

export interface Summary {
  readonly n: number;
  readonly p50: number;
  readonly p95: number;
}

export function summarize(values: readonly number[]): Summary {
  return { n: values.length, p50: round(percentile(values, 50)), p95: round(percentile(values, 95)) };
}

export function round(value: number): number {
  return Math.round(value * 10) / 10;
}

/** Runs `body` and returns how long it took in ms. */
export async function timed(body: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await body();
  return performance.now() - started;
}
