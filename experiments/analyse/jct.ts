/**
 * Per-request measures of an open load, from what each request recorded:
 *
 *   JCT             end − send, on the generator's clock
 *   queueing delay  the balancer's lb-queue + the replica's queue (the
 *                   seed's "response time": start of execution − send)
 *   service time    the replica's work stage
 *   slowdown        JCT ÷ service time
 *   overhead        JCT − queueing − service: network, proxy, parsing
 *
 * A request sent during the warm-up is not counted. A timeout (the client
 * gave up, or the balancer's queue did: 504) counts in JCT with the time it
 * took to fail, a lower bound of its true JCT; other failures (refused,
 * broken) count only as errors. Pure.
 */
import { mean, quantileSorted } from 'simple-statistics';
import type { OpenRequest } from '../contracts/open-load.js';

export type Outcome = 'ok' | 'timeout' | 'error';

export function outcomeOf(r: OpenRequest): Outcome {
  if (r.error === 'timeout' || r.status === 504) return 'timeout';
  return r.error ? 'error' : 'ok';
}

export const jctMs = (r: OpenRequest) => r.endMs - r.sendMs;
export const queueingMs = (r: OpenRequest) => (r.lbQueueMs ?? 0) + (r.queueMs ?? 0);
/** Server-Timing rounds to 0.01 ms: a one-unit job can report 0, so slowdown divides by at least that. */
export const SERVICE_FLOOR_MS = 0.01;
export const slowdown = (r: OpenRequest) => jctMs(r) / Math.max(r.workMs ?? 0, SERVICE_FLOOR_MS);

export const counted = (requests: readonly OpenRequest[]) => requests.filter((r) => !r.warmup);

export interface Tail {
  p50: number;
  p95: number;
  p99: number;
  mean: number;
  max: number;
}

/** Percentiles (simple-statistics' quantile of the sorted values) and mean; zeros for no values. */
export function tail(values: readonly number[]): Tail {
  if (values.length === 0) return { p50: 0, p95: 0, p99: 0, mean: 0, max: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: quantileSorted(sorted, 0.5), p95: quantileSorted(sorted, 0.95), p99: quantileSorted(sorted, 0.99), mean: mean(sorted), max: sorted[sorted.length - 1]! };
}

export interface GroupStats {
  /** counted requests */
  n: number;
  ok: number;
  timeouts: number;
  errors: number;
  /** of the answered requests and the timeouts */
  jctMs: Tail;
  queueMs: Tail;
  serviceMs: Tail;
  slowdown: Tail;
  overheadMs: Tail;
}

/** The measures of counted requests (the caller picks which: a size class, all). */
export function groupStats(requests: readonly OpenRequest[]): GroupStats {
  const ok = requests.filter((r) => outcomeOf(r) === 'ok');
  const timeouts = requests.filter((r) => outcomeOf(r) === 'timeout');
  return {
    n: requests.length,
    ok: ok.length,
    timeouts: timeouts.length,
    errors: requests.length - ok.length - timeouts.length,
    jctMs: tail([...ok, ...timeouts].map(jctMs)),
    queueMs: tail(ok.map(queueingMs)),
    serviceMs: tail(ok.map((r) => r.workMs ?? 0)),
    slowdown: tail(ok.map(slowdown)),
    overheadMs: tail(ok.map((r) => jctMs(r) - queueingMs(r) - (r.workMs ?? 0))),
  };
}

/** The number whose spread across a cell's trials decides whether it needs another: p95 JCT of every counted request. */
export function p95Jct(requests: readonly OpenRequest[]): number {
  return groupStats(counted(requests)).jctMs.p95;
}
