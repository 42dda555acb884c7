/** Synthetic workload levels and trials for the resources study's pure tests. */
import type { SaturationLevel } from '../../experiments/contracts/domain.js';
import { encodeHistogram, newHistogram, recordMs } from '../../experiments/load/histogram.js';
import type { ReplicaUsage } from '../../experiments/contracts/domain.js';
import { SCHEMA_VERSION, type TrialStatus, type WorkloadTrial } from '../../experiments/record/schema.js';

/** A level of `requests` answers, `successes` of them 2xx at `latencyMs`, over 2 s. */
export function level(concurrency: number, requests: number, successes: number, statuses: Record<string, number> = {}, timeouts = 0, latencyMs = 100): SaturationLevel {
  const h = newHistogram();
  for (let i = 0; i < successes; i++) recordMs(h, latencyMs * (1 + (i % 5) / 10));
  const durationS = 2;
  return {
    concurrency, durationS, requests, successes, warmupSuccesses: 0, statuses, errors: timeouts, timeouts,
    throughput: successes / durationS,
    latencyMs: { mean: latencyMs, p50: latencyMs, p90: latencyMs * 1.4, p95: latencyMs * 1.4, p99: latencyMs * 1.4, max: latencyMs * 1.4 },
    bytesPerS: 1000, loadGenCpu: 0.05, histogram: encodeHistogram(h),
  };
}

export interface TrialSpec {
  cell: string;
  trial?: number;
  status?: TrialStatus;
  /** images/s at saturation (2 s level) */
  rate?: number;
  /** latency of one request alone, ms */
  aloneMs?: number;
  usage?: Partial<ReplicaUsage> | null;
  memoryPeakBytes?: number | null;
  startupS?: number | null;
  valid?: boolean;
  hostBusy?: number;
}

export function workloadTrial(s: TrialSpec): WorkloadTrial {
  const status = s.status ?? 'success';
  const served = status === 'success';
  const rate = s.rate ?? 10;
  const levels = served ? [level(1, 10, 10, {}, 0, s.aloneMs ?? 100), level(4, Math.round(rate * 2), Math.round(rate * 2))] : [];
  const trial = s.trial ?? 0;
  const valid = s.valid ?? true;
  return {
    schemaVersion: SCHEMA_VERSION,
    id: `${s.cell}-t${trial}${valid ? '' : '-invalid0'}`,
    cell: s.cell,
    question: 'workload',
    task: 'detection',
    replicas: 1,
    location: 'cluster',
    trial,
    startedAt: new Date(1000 * trial).toISOString(),
    endedAt: new Date(1000 * trial + 9000).toISOString(),
    valid,
    ...(valid ? {} : { invalidReason: 'test' }),
    capacityBound: false,
    limitsEnforced: true,
    network: { rttMs: 0.2, bandwidthMbit: null, description: 'loopback' },
    replicaStats: [],
    status,
    ...(served ? {} : { error: `${status} in test`, endsCell: `${status} in test` }),
    startupS: s.startupS === undefined ? (trial === 0 ? 2 : null) : s.startupS,
    workloadS: served ? 8 : 0,
    levels,
    ...(s.usage === null ? {} : { usage: { replicas: 1, seconds: 8, cpuSeconds: 4, cpuThrottledSeconds: 0, throttledShare: 0, oomKills: 0, restarts: 0, ...(s.hostBusy === undefined ? {} : { hostBusyShare: s.hostBusy }), ...s.usage } }),
    oomKills: status === 'oom' ? 1 : 0,
    restarts: 0,
    memoryPeakBytes: s.memoryPeakBytes === undefined ? 100 * 2 ** 20 : s.memoryPeakBytes,
    loadGenCpu: 0.1,
  };
}
