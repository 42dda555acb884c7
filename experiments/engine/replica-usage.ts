/**
 * What the replicas' cgroups counted between two reads of the backend's
 * replica stats, summed over the replicas present in both. Pure. This is
 * how a level's CPU use, throttling and OOM kills are measured, so the
 * analysis can say which limit a cell hit instead of guessing it.
 */
import { busyShare, type HostCpu } from '../../lib/host-cpu.js';
import type { ReplicaStats, ReplicaUsage } from '../contracts/domain.js';
import type { Backend } from '../deploy/backend.js';

/** The backend's two counter reads around a level. */
export interface CounterRead {
  replicas: readonly ReplicaStats[];
  host: HostCpu | null;
}

export async function readCounters(backend: Pick<Backend, 'replicaStats' | 'hostCpu'>): Promise<CounterRead> {
  const [replicas, host] = await Promise.all([backend.replicaStats(), backend.hostCpu()]);
  return { replicas, host };
}

export function replicaUsage(start: CounterRead, end: CounterRead, seconds: number): ReplicaUsage | undefined {
  const before = start.replicas;
  const after = end.replicas;
  const earlier = new Map(before.map((r) => [r.name, r]));
  const pairs = after.flatMap((a) => {
    const b = earlier.get(a.name);
    return b && a.cpuSeconds !== undefined && b.cpuSeconds !== undefined ? [[b, a] as const] : [];
  });
  if (pairs.length === 0) return undefined;
  const sum = (f: (b: ReplicaStats, a: ReplicaStats) => number) => pairs.reduce((n, [b, a]) => n + Math.max(0, f(b, a)), 0);
  const periods = sum((b, a) => (a.cpuPeriods ?? 0) - (b.cpuPeriods ?? 0));
  const throttled = sum((b, a) => (a.cpuThrottledPeriods ?? 0) - (b.cpuThrottledPeriods ?? 0));
  return {
    replicas: pairs.length,
    seconds,
    cpuSeconds: sum((b, a) => a.cpuSeconds! - b.cpuSeconds!),
    cpuThrottledSeconds: sum((b, a) => (a.cpuThrottledSeconds ?? 0) - (b.cpuThrottledSeconds ?? 0)),
    throttledShare: periods > 0 ? Math.min(1, throttled / periods) : 0,
    oomKills: sum((b, a) => a.oomKilled - b.oomKilled),
    restarts: sum((b, a) => a.restarts - b.restarts),
    ...(start.host && end.host ? { hostBusyShare: busyShare(start.host, end.host) } : {}),
  };
}
