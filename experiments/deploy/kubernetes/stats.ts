/**
 * Per-pod figures for the results: restarts and OOM kills from the pod
 * status, CPU time, CPU throttling and peak memory from the kubelet's
 * cAdvisor counters when the API lets us read them (nodes/proxy), otherwise
 * left out, never guessed.
 */
import type { V1Pod } from '@kubernetes/client-node';
import type { ReplicaStats } from '../../contracts/domain.js';
import { CONTAINER_NAME } from './names.js';

export interface CadvisorSample {
  cpuSeconds?: number;
  cpuThrottledSeconds?: number;
  cpuPeriods?: number;
  cpuThrottledPeriods?: number;
  memoryPeakBytes?: number;
}

const METRICS: Record<string, keyof CadvisorSample> = {
  container_cpu_usage_seconds_total: 'cpuSeconds',
  container_cpu_cfs_throttled_seconds_total: 'cpuThrottledSeconds',
  container_cpu_cfs_periods_total: 'cpuPeriods',
  container_cpu_cfs_throttled_periods_total: 'cpuThrottledPeriods',
  container_memory_max_usage_bytes: 'memoryPeakBytes',
};

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)\{(.*)\}\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Prometheus text from one node → samples of our container, by pod name. */
export function parseCadvisor(text: string, namespace: string, container = CONTAINER_NAME): Map<string, CadvisorSample> {
  const byPod = new Map<string, CadvisorSample>();
  for (const line of text.split('\n')) {
    const m = LINE.exec(line);
    const field = m && METRICS[m[1] ?? ''];
    if (!m || !field) continue;
    const labels = Object.fromEntries([...(m[2] ?? '').matchAll(LABEL)].map((l) => [l[1], l[2]]));
    if (labels.namespace !== namespace || labels.container !== container || !labels.pod) continue;
    const value = Number(m[3]);
    if (!Number.isFinite(value) || value < 0) continue;
    const sample = byPod.get(labels.pod) ?? {};
    // one series per cgroup level can appear; the largest is the container total
    sample[field] = Math.max(sample[field] ?? 0, value);
    byPod.set(labels.pod, sample);
  }
  return byPod;
}

function oomKills(pod: V1Pod): number {
  // Kubernetes keeps only the current and the last termination, so this counts at most one kill per container per state.
  return (pod.status?.containerStatuses ?? []).reduce((n, c) => {
    const now = c.state?.terminated?.reason === 'OOMKilled' ? 1 : 0;
    const before = c.lastState?.terminated?.reason === 'OOMKilled' ? 1 : 0;
    return n + now + before;
  }, 0);
}

export function replicaStats(pods: readonly V1Pod[], samples: ReadonlyMap<string, CadvisorSample>): ReplicaStats[] {
  return pods
    .filter((p) => !p.metadata?.deletionTimestamp)
    .map((p) => {
      const name = p.metadata?.name ?? '';
      return {
        name,
        ready: p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
        restarts: (p.status?.containerStatuses ?? []).reduce((n, c) => n + c.restartCount, 0),
        oomKilled: oomKills(p),
        ...samples.get(name),
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}
