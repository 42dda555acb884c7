/**
 * Latency histograms (HDR, microseconds). Steps carry them encoded so trials
 * and replicas can be merged later without losing the tail.
 */
import * as hdr from 'hdr-histogram-js';
import type { Percentiles } from '../contracts/domain.js';

export type Histogram = hdr.Histogram;

export function newHistogram(): Histogram {
  // 3 significant digits over 1 µs .. 1 h keeps percentiles exact to 0.1 %.
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3 });
}

export function recordMs(histogram: Histogram, ms: number): void {
  histogram.recordValue(Math.max(1, Math.round(ms * 1000)));
}

export function encodeHistogram(histogram: Histogram): string {
  return hdr.encodeIntoCompressedBase64(histogram);
}

export function decodeHistogram(encoded: string): Histogram {
  return hdr.decodeFromCompressedBase64(encoded);
}

/** One histogram holding every value of the encoded ones. */
export function mergeHistograms(encoded: readonly string[]): Histogram {
  const merged = newHistogram();
  for (const e of encoded) merged.add(decodeHistogram(e));
  return merged;
}

const round = (us: number) => Math.round(us) / 1000;

/**
 * Percentiles in ms. HDR reports a percentile as the upper end of its bucket
 * while the max is exact, so a percentile may exceed the max by up to 0.1 %:
 * each is clamped to the max, which no latency can be above.
 */
export function percentilesMs(histogram: Histogram): Percentiles {
  if (histogram.totalCount === 0) return { mean: 0, p50: 0, p90: 0, p95: 0, p99: 0, max: 0 };
  const max = histogram.maxValue;
  const at = (p: number) => round(Math.min(histogram.getValueAtPercentile(p), max));
  return { mean: round(histogram.mean), p50: at(50), p90: at(90), p95: at(95), p99: at(99), max: round(max) };
}
