/** Mean, sample sd and a t-based 95 % confidence interval of a few trial values. Pure. */
import { mean, sampleStandardDeviation } from 'simple-statistics';
import type { Stat } from '../record/schema.js';

/**
 * Two-sided 95 % critical values of Student's t for 1..30 degrees of freedom
 * (simple-statistics has no inverse t); above 30 the normal 1.96 is within 2 %.
 */
const T95 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101,
  2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

export function tCritical95(df: number): number {
  return df >= 1 ? (T95[df - 1] ?? 1.96) : Infinity;
}

/** Below two values there is no spread to state: sd and the interval are null, never 0. */
export function describe(values: readonly number[]): Stat {
  const n = values.length;
  if (n === 0) return { mean: 0, sd: null, ci95: null, n: 0, values: [] };
  const m = mean([...values]);
  if (n === 1) return { mean: m, sd: null, ci95: null, n, values: [...values] };
  const sd = sampleStandardDeviation([...values]);
  const half = (tCritical95(n - 1) * sd) / Math.sqrt(n);
  return { mean: m, sd, ci95: [m - half, m + half], n, values: [...values] };
}

/** Rule of three: with 0 failures in n requests, the failure rate is below 3/n at 95 % confidence. */
export function failureBound(n: number): string {
  return n > 0 ? `${((300 / n) >= 10 ? (300 / n).toFixed(0) : (300 / n).toFixed(1))} %` : 'unbounded';
}
