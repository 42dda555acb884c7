/**
 * Raw request outcomes of one load level → the Step recorded on disk. Pure:
 * the worker and the queueing simulator both feed it, so a simulated step
 * and a measured one are computed by the same code.
 */
import { ErrorKind, type Step } from '../contracts/domain.js';
import { encodeHistogram, newHistogram, percentilesMs, recordMs } from './histogram.js';
import { isSteady } from './stability.js';

export interface RequestRecord {
  /** when the answer (or the failure) arrived, ms since the level started */
  doneAtMs: number;
  latencyMs: number;
  error?: ErrorKind;
  /** replica name from X-Served-By */
  servedBy?: string;
}

export interface StepInput {
  users: number;
  startedAt: string;
  durationS: number;
  records: readonly RequestRecord[];
  /** load generator CPU over the level, 1.0 = one core */
  loadGenCpu: number;
  p95ObjectiveMs?: number;
  windowS: number;
  stableTolerance: number;
}

export function emptyErrors(): Record<ErrorKind, number> {
  return Object.fromEntries(ErrorKind.options.map((k) => [k, 0])) as Record<ErrorKind, number>;
}

/** Requests answered in each whole second of the level; the partial last second is left out. */
export function perSecondCounts(records: readonly RequestRecord[], durationS: number): number[] {
  const counts = new Array<number>(Math.max(0, Math.floor(durationS))).fill(0);
  for (const r of records) {
    const s = Math.floor(r.doneAtMs / 1000);
    if (s < counts.length) counts[s] = (counts[s] ?? 0) + 1;
  }
  return counts;
}

export function buildStep(input: StepInput): Step {
  const histogram = newHistogram();
  const errors = emptyErrors();
  const perReplica: Record<string, number> = {};
  const seconds = Math.max(1, Math.ceil(input.durationS));
  const buckets = Array.from({ length: seconds }, () => ({ requests: 0, errors: 0, latencySum: 0 }));
  let successes = 0;
  for (const r of input.records) {
    recordMs(histogram, r.latencyMs);
    if (r.error) errors[r.error] += 1;
    else successes += 1;
    if (r.servedBy) perReplica[r.servedBy] = (perReplica[r.servedBy] ?? 0) + 1;
    const bucket = buckets[Math.min(seconds - 1, Math.max(0, Math.floor(r.doneAtMs / 1000)))];
    if (bucket) {
      bucket.requests += 1;
      bucket.errors += r.error ? 1 : 0;
      bucket.latencySum += r.latencyMs;
    }
  }
  const requests = input.records.length;
  // Percentiles from the histogram (3 significant digits); the mean exactly, as the sum is at hand.
  const latencySum = input.records.reduce((sum, r) => sum + r.latencyMs, 0);
  const latencyMs = { ...percentilesMs(histogram), mean: input.records.length > 0 ? latencySum / input.records.length : 0 };
  const meetsObjective = input.p95ObjectiveMs === undefined || latencyMs.p95 <= input.p95ObjectiveMs;
  return {
    users: input.users,
    startedAt: input.startedAt,
    durationS: input.durationS,
    requests,
    successes,
    errors,
    latencyMs,
    qps: {
      avg: input.durationS > 0 ? requests / input.durationS : 0,
      max: Math.max(0, ...buckets.map((b) => b.requests)),
    },
    perSecond: buckets.map((b, t) => ({
      t,
      users: input.users,
      requests: b.requests,
      errors: b.errors,
      meanLatencyMs: b.requests > 0 ? b.latencySum / b.requests : 0,
    })),
    passed: requests > 0 && successes === requests && meetsObjective,
    stable: isSteady(perSecondCounts(input.records, input.durationS), input.windowS, input.stableTolerance),
    loadGenCpu: input.loadGenCpu,
    perReplica,
    histogram: encodeHistogram(histogram),
  };
}

/** Which part of the failure rule a failed step broke: requests failed, or only the latency objective. */
export function failureCause(step: Step): 'failure' | 'latency-objective' {
  return step.successes < step.requests || step.requests === 0 ? 'failure' : 'latency-objective';
}
