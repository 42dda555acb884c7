/**
 * The capacity model beside every measured cell: a closed queueing network
 * solved exactly with MVA (mva.ts), built only from what was measured
 * independently of the max-users search. Pure.
 *
 * Stations, per request:
 * - each of the m replicas, visited 1/m of the time (round robin), serving
 *   at min(its CPU quota q, its share of the host's free cores) → demand
 *   c / (m · rate) with c the replicas' CPU seconds per request;
 * - the client path's link when it has a bandwidth: request bytes / bandwidth;
 * - a delay for what does not queue (network round trip, HTTP): the
 *   unloaded latency R0 less the replica's own c / q;
 * - the users' think time Z̄.
 *
 * Max users, the criterion (docs/experiments.md): the smallest N at which
 * either (a) the mean number at a replica plus three standard deviations
 * of its share of the thinking users reaches the replica's admission bound
 * (requests in service + queue: a request above it gets 503), or (b) the
 * response time plus the wait those deviations add reaches the request
 * timeout; the answer is one user below. Past the knee the replicas send
 * users back to think at a steady rate X, so the number thinking varies
 * by X·∫P(Z>t)(1−P(Z>t))dt = X·(b−a)/6 for a think time uniform on [a, b].
 * Three deviations over a hold is the margin at which the exact stochastic
 * model of the same system (bench/lib/queue-simulator.ts) first sees a 503.
 */
import { mva, type MvaPoint, type Station } from './mva.js';

export interface ModelInput {
  replicas: number;
  /** CPU quota per replica, cores */
  replicaCpu: number;
  /** cores the replicas share (the host, on the local backend); null = each replica has its own */
  sharedCores: number | null;
  /** replica CPU seconds per request */
  cpuPerRequestS: number;
  /** unloaded latency (one request at a time), seconds */
  unloadedLatencyS: number;
  /** mean think time, seconds, and the range it is drawn from uniformly */
  thinkS: number;
  thinkRangeS: number;
  /** requests one replica admits (in service + waiting) */
  admissionBound: number;
  timeoutS: number;
  /** the client path: bytes per request and the link's bandwidth (null = not limited) */
  requestBytes: number;
  bandwidthMbit: number | null;
}

export interface ModelAnswer {
  /** max users by the criterion; null when it is not reached below the search's upper bound */
  maxUsers: number | null;
  /** which part of the criterion decided it */
  decidedBy: 'admission' | 'timeout' | null;
  /** response time at maxUsers, ms */
  responseMs: number | null;
  /** the throughput the network can reach, req/s */
  xMax: number;
  /** the bottleneck station */
  bottleneck: string;
  stations: Station[];
  /** X(N) and R(N), N = 1..curve end */
  curve: MvaPoint[];
}

const MARGIN_SD = 3;

export function stations(input: ModelInput): Station[] {
  const m = input.replicas;
  const rate = input.sharedCores === null ? input.replicaCpu : Math.min(input.replicaCpu, input.sharedCores / m);
  const out: Station[] = Array.from({ length: m }, (_, i) => ({ name: `replica-${i}`, kind: 'queue' as const, demandS: input.cpuPerRequestS / (m * rate) }));
  if (input.bandwidthMbit !== null && input.bandwidthMbit > 0) {
    out.push({ name: 'link', kind: 'queue', demandS: (input.requestBytes * 8) / (input.bandwidthMbit * 1e6) });
  }
  out.push({ name: 'network', kind: 'delay', demandS: Math.max(0, input.unloadedLatencyS - input.cpuPerRequestS / input.replicaCpu) });
  return out;
}

/** The model's max users and the curve up to `upToUsers`. */
export function capacityModel(input: ModelInput, upToUsers: number): ModelAnswer {
  const st = stations(input);
  const curve = mva(st, input.thinkS, upToUsers);
  const replicaIdx = st.map((s, i) => (s.name.startsWith('replica-') ? i : -1)).filter((i) => i >= 0);
  const queues = st.filter((s) => s.kind === 'queue');
  const worst = queues.reduce((a, b) => (b.demandS > a.demandS ? b : a), queues[0]!);
  let maxUsers: number | null = null;
  let decidedBy: ModelAnswer['decidedBy'] = null;
  for (const p of curve) {
    const sigmaUsers = Math.sqrt((p.x * input.thinkRangeS) / 6);
    const atReplica = Math.max(...replicaIdx.map((i) => p.q[i]!));
    const admission = atReplica + MARGIN_SD * (sigmaUsers / Math.sqrt(input.replicas)) >= input.admissionBound;
    const timeout = p.r + (p.x > 0 ? (MARGIN_SD * sigmaUsers) / p.x : 0) >= input.timeoutS;
    if (admission || timeout) {
      maxUsers = p.users - 1;
      decidedBy = admission ? 'admission' : 'timeout';
      break;
    }
  }
  const at = maxUsers !== null && maxUsers > 0 ? curve[maxUsers - 1] : undefined;
  return {
    maxUsers,
    decidedBy,
    responseMs: at ? at.r * 1000 : null,
    xMax: worst.demandS > 0 ? 1 / worst.demandS : Infinity,
    bottleneck: !worst.name.startsWith('replica-') ? worst.name : input.sharedCores !== null && input.sharedCores / input.replicas < input.replicaCpu ? 'host-cpu' : 'replicas',
    stations: st,
    curve,
  };
}
