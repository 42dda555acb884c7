/**
 * Whether a held level is in steady state, from what it measured. Pure, so
 * the worker's hold loop, the step it records and the tests judge alike.
 *
 * The steady part is the last (up to) three whole windows; what comes before
 * is warm-up and is not reported. Two physical checks, both on the steady
 * part:
 *
 * - No latency trend: a growing queue is a failure that has not arrived
 *   yet. The least-squares slope of latency against completion time, times
 *   the steady part's length, is the rise across it; it may be at most
 *   `trendTolerance` of the mean latency, or three standard errors of that
 *   rise when the spread of single requests is wider.
 * - Little's law for closed users: N = X·(R̄ + Z̄), with X the completions
 *   per second, R̄ their mean latency and Z̄ the mean think time the users
 *   actually drew. Most users still waiting on their first request (a queue
 *   that is still filling) break it. Allowed: 10 % of N, or the counting
 *   noise of X (2/√C for C completions) when that is wider.
 */

export interface SteadyInput {
  users: number;
  /** seconds held so far */
  elapsedS: number;
  windowS: number;
  /** completions: when (ms since the level started) and how long they took */
  records: readonly { doneAtMs: number; latencyMs: number }[];
  /** think pauses the users drew: when they started (ms since the level started) and how long */
  thinks: readonly { atMs: number; seconds: number }[];
  /** relative latency rise allowed across the steady part @default 0.2 */
  trendTolerance?: number;
}

export type SteadyVerdictName = 'steady' | 'trend' | 'little' | 'short' | 'empty';

export interface SteadyVerdict {
  verdict: SteadyVerdictName;
  /** seconds of warm-up before the steady part */
  fromS: number;
  /** length of the steady part, seconds */
  spanS: number;
  completions: number;
  /** completions per second in the steady part */
  throughput: number;
  meanLatencyMs: number;
  /** mean think time drawn in the steady part, seconds */
  meanThinkS: number;
  /** X·(R̄ + Z̄) / N */
  littleRatio: number;
  /** |1 − littleRatio| allowed */
  littleTolerance: number;
  /** the rise of latency across the steady part (least-squares slope × its length), over the mean latency */
  latencyTrend: number;
  trendTolerance: number;
}

const STEADY_WINDOWS = 3;
const LITTLE_TOLERANCE = 0.1;
const DEFAULT_TREND_TOLERANCE = 0.2;

/** Least-squares slope of latency (ms) against completion time (s), times `spanS`, and its standard error. */
function latencyRise(records: readonly { doneAtMs: number; latencyMs: number }[], spanS: number): { rise: number; riseSe: number } {
  const n = records.length;
  if (n < 3) return { rise: 0, riseSe: Infinity };
  const t = records.map((r) => r.doneAtMs / 1000);
  const y = records.map((r) => r.latencyMs);
  const tm = t.reduce((a, b) => a + b, 0) / n;
  const ym = y.reduce((a, b) => a + b, 0) / n;
  const stt = t.reduce((s, ti) => s + (ti - tm) ** 2, 0);
  if (stt === 0) return { rise: 0, riseSe: Infinity };
  const slope = t.reduce((s, ti, i) => s + (ti - tm) * (y[i]! - ym), 0) / stt;
  const residual = t.reduce((s, ti, i) => s + (y[i]! - ym - slope * (ti - tm)) ** 2, 0);
  return { rise: slope * spanS, riseSe: Math.sqrt(residual / (n - 2) / stt) * spanS };
}

function meanVar(xs: readonly number[]): { mean: number; variance: number } {
  if (xs.length === 0) return { mean: 0, variance: 0 };
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const variance = xs.length > 1 ? xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (xs.length - 1) : 0;
  return { mean, variance };
}

export function steadyState(input: SteadyInput): SteadyVerdict {
  const trendTolerance = input.trendTolerance ?? DEFAULT_TREND_TOLERANCE;
  const windows = Math.floor(input.elapsedS / input.windowS);
  // at least one window of warm-up, and two to see a trend
  const steadyWindows = Math.min(STEADY_WINDOWS, windows - 1);
  const spanS = Math.max(0, steadyWindows) * input.windowS;
  const toS = windows * input.windowS;
  const fromS = toS - spanS;
  const inPart = input.records.filter((r) => r.doneAtMs >= fromS * 1000 && r.doneAtMs < toS * 1000);
  const base = {
    fromS,
    spanS,
    completions: inPart.length,
    throughput: spanS > 0 ? inPart.length / spanS : 0,
    meanLatencyMs: 0,
    meanThinkS: 0,
    littleRatio: 0,
    littleTolerance: LITTLE_TOLERANCE,
    latencyTrend: 0,
    trendTolerance,
  };
  if (steadyWindows < 2) return { ...base, verdict: 'short' };
  const perWindow = Array.from({ length: steadyWindows }, (_, w) =>
    inPart.filter((r) => r.doneAtMs >= (fromS + w * input.windowS) * 1000 && r.doneAtMs < (fromS + (w + 1) * input.windowS) * 1000).length,
  );
  if (perWindow.some((n) => n === 0)) return { ...base, verdict: 'empty' };

  const all = meanVar(inPart.map((r) => r.latencyMs));
  const { rise, riseSe } = latencyRise(inPart, spanS);
  const latencyTrend = all.mean > 0 ? rise / all.mean : 0;
  const trendNoise = all.mean > 0 ? (3 * riseSe) / all.mean : Infinity;

  const thinks = input.thinks.filter((t) => t.atMs >= fromS * 1000 && t.atMs < toS * 1000).map((t) => t.seconds);
  const meanThinkS = thinks.length > 0 ? thinks.reduce((a, b) => a + b, 0) / thinks.length : 0;
  const littleRatio = input.users > 0 ? (base.throughput * (all.mean / 1000 + meanThinkS)) / input.users : 0;
  const littleTolerance = Math.max(LITTLE_TOLERANCE, 2 / Math.sqrt(inPart.length));

  const measured = { ...base, meanLatencyMs: all.mean, meanThinkS, littleRatio, littleTolerance, latencyTrend };
  if (latencyTrend > Math.max(trendTolerance, trendNoise)) return { ...measured, verdict: 'trend' };
  if (Math.abs(1 - littleRatio) > littleTolerance) return { ...measured, verdict: 'little' };
  return { ...measured, verdict: 'steady' };
}
