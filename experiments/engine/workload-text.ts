/** One line per finished workload trial, for the live progress and the log. Pure. */
import type { WorkloadTrial } from '../record/schema.js';

const round = (x: number, digits = 1) => Number(x.toFixed(digits));

export function describeWorkloadTrial(t: WorkloadTrial): string {
  if (t.status !== 'success') return `${t.id}: ${t.status.toUpperCase()} (${t.error ?? 'no reason recorded'})`;
  const [alone, saturated] = t.levels;
  const parts = [
    saturated ? `${round(saturated.throughput, 2)} images/s at ${saturated.concurrency} connections (${saturated.requests} answers)` : 'no saturation level',
    alone ? `alone p95 ${round(alone.latencyMs.p95)} ms over ${alone.requests} answers` : 'no concurrency-1 level',
  ];
  if (t.memoryPeakBytes !== null) parts.push(`peak ${round(t.memoryPeakBytes / 2 ** 20)} MiB`);
  if (t.usage) parts.push(`throttled in ${Math.round(t.usage.throttledShare * 100)} % of CPU periods`);
  if (t.startupS !== null) parts.push(`ready in ${round(t.startupS)} s`);
  return `${t.id}: ${parts.join('; ')}`;
}
