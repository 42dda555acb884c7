/**
 * Exact Mean Value Analysis of a closed, single-class queueing network
 * (Lazowska et al., Quantitative System Performance, ch. 6; Jain, The Art of
 * Computer Systems Performance Analysis, ch. 34): N users cycle through a
 * think-time delay Z and a set of stations, each a queue (FCFS/PS, one
 * server) or a delay (infinite servers), with service demand D_k seconds per
 * user cycle. For n = 1..N:
 *
 *   R_k(n) = D_k · (1 + Q_k(n−1))   (queue)      R_k(n) = D_k   (delay)
 *   X(n)   = n / (Z + Σ R_k(n))
 *   Q_k(n) = X(n) · R_k(n)
 *
 * Pure.
 */

export interface Station {
  name: string;
  kind: 'queue' | 'delay';
  /** service demand per user cycle, seconds (visits × service time) */
  demandS: number;
}

export interface MvaPoint {
  users: number;
  /** throughput, cycles (requests) per second */
  x: number;
  /** response time: the time spent at all stations, seconds (think time excluded) */
  r: number;
  /** mean number at each station */
  q: number[];
  /** residence time at each station, seconds */
  residence: number[];
}

export function mva(stations: readonly Station[], thinkS: number, maxUsers: number): MvaPoint[] {
  if (stations.some((s) => !(s.demandS >= 0))) throw new RangeError('every station needs a non-negative demand');
  const points: MvaPoint[] = [];
  let q = stations.map(() => 0);
  for (let n = 1; n <= maxUsers; n += 1) {
    const residence = stations.map((s, k) => (s.kind === 'queue' ? s.demandS * (1 + q[k]!) : s.demandS));
    const r = residence.reduce((a, b) => a + b, 0);
    const x = n / (thinkS + r);
    q = residence.map((rk) => x * rk);
    points.push({ users: n, x, r, q, residence });
  }
  return points;
}

/** The asymptotic bounds every MVA answer must respect: X(N) ≤ min(N/(D+Z), 1/D_max). */
export function throughputBound(stations: readonly Station[], thinkS: number, users: number): number {
  const total = stations.reduce((a, s) => a + s.demandS, 0);
  const bottleneck = Math.max(0, ...stations.filter((s) => s.kind === 'queue').map((s) => s.demandS));
  return Math.min(users / (total + thinkS), bottleneck > 0 ? 1 / bottleneck : Infinity);
}
