/**
 * Raw request outcomes of one load level → the Step recorded on disk. Pure:
 * the worker and the queueing simulator both feed it, so a simulated step
 * and a measured one are computed by the same code. A held level is judged
 * for steady state (steady-state.ts); its latency, throughput and histogram
 * are then those of the steady part, the warm-up left out. Every request of
 * the level, warm-up included, counts for the failure rule.
 */
import { ErrorKind, type Step } from '../contracts/domain.js';
import { encodeHistogram, newHistogram, percentilesMs, recordMs } from './histogram.js';
import { isSteady } from './stability.js';
import { steadyState } from './steady-state.js';

export interface RequestRecord {
  /** when the answer (or the failure) arrived, ms since the level started */
  doneAtMs: number;
  latencyMs: number;
  error?: ErrorKind;
  /** replica name from X-Served-By */
  servedBy?: string;
  /** request body bytes sent */
  bytes?: number;
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
  /** held levels: judge steady state (think pauses the users drew, the latency-trend tolerance) */
  judge?: { thinks: readonly { atMs: number; seconds: number }[]; trendTolerance: number; /** when the hold ended (a drain after it is not steady state) */ untilS: number };
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
  const steady = input.judge
    ? steadyState({ users: input.users, elapsedS: input.judge.untilS, windowS: input.windowS, records: input.records, thinks: input.judge.thinks, trendTolerance: input.judge.trendTolerance })
    : undefined;
  // what is reported comes from the steady part of a judged level, the whole level otherwise
  const reported = steady && steady.spanS > 0 ? input.records.filter((r) => r.doneAtMs >= steady.fromS * 1000 && r.doneAtMs < (steady.fromS + steady.spanS) * 1000) : input.records;
  const reportedS = steady && steady.spanS > 0 ? steady.spanS : input.durationS;
  const histogram = newHistogram();
  for (const r of reported) recordMs(histogram, r.latencyMs);
  const errors = emptyErrors();
  const perReplica: Record<string, number> = {};
  const seconds = Math.max(1, Math.ceil(input.durationS));
  const buckets = Array.from({ length: seconds }, () => ({ requests: 0, errors: 0, latencySum: 0 }));
  let successes = 0;
  for (const r of input.records) {
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
  const latencySum = reported.reduce((sum, r) => sum + r.latencyMs, 0);
  const latencyMs = { ...percentilesMs(histogram), mean: reported.length > 0 ? latencySum / reported.length : 0 };
  const meetsObjective = input.p95ObjectiveMs === undefined || latencyMs.p95 <= input.p95ObjectiveMs;
  const bytes = reported.reduce((sum, r) => sum + (r.bytes ?? 0), 0);
  return {
    users: input.users,
    startedAt: input.startedAt,
    durationS: input.durationS,
    requests,
    successes,
    errors,
    latencyMs,
    qps: {
      avg: reportedS > 0 ? reported.length / reportedS : 0,
      max: Math.max(0, ...buckets.map((b) => b.requests)),
    },
    perSecond: buckets.map((b, t) => ({
      t,
      users: input.users,
      requests: b.requests,
      errors: b.errors,
      meanLatencyMs: b.requests > 0 ? b.latencySum / b.requests : 0,
    })),
    passed: requests > 0 && successes === requests && meetsObjective && (steady === undefined || steady.verdict === 'steady'),
    stable: isSteady(perSecondCounts(input.records, input.durationS), input.windowS, input.stableTolerance),
    loadGenCpu: input.loadGenCpu,
    perReplica,
    histogram: encodeHistogram(histogram),
    bytesPerS: reportedS > 0 ? bytes / reportedS : 0,
    ...(steady ? { steady } : {}),
  };
}

/** Which part of the rule a failed step broke: requests failed, it never reached steady state, or only the latency objective. */
export function failureCause(step: Step): 'failure' | 'unsteady' | 'latency-objective' {
  if (step.successes < step.requests || step.requests === 0) return 'failure';
  return step.steady && step.steady.verdict !== 'steady' ? 'unsteady' : 'latency-objective';
}
