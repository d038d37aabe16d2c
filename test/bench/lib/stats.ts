/** Latency summaries with HdrHistogram (values recorded in microseconds). */
import * as hdr from 'hdr-histogram-js';

export interface LatencySummary {
  count: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** p50 / p99 / max of microsecond samples, reported in ms. */
export function summarize(samplesUs: readonly number[]): LatencySummary {
  const h = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: 3 });
  for (const v of samplesUs) h.recordValue(Math.max(1, v));
  const ms = (us: number): number => Math.round(us / 10) / 100;
  const out = { count: h.totalCount, p50Ms: ms(h.getValueAtPercentile(50)), p99Ms: ms(h.getValueAtPercentile(99)), maxMs: ms(h.maxValue) };
  h.destroy();
  return out;
}

/** The q-quantile (0..1) of plain numbers. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}
