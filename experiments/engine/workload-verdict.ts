/**
 * What a workload trial's counters say about the configuration, pure: the
 * replica's status deltas over the workload, and whether it served, was
 * OOM-killed (the kernel's oom_kill counter, or a SIGKILL nobody sent when
 * there is no cgroup) or failed another way. An OOM kill or a replica that
 * never became ready ends its cell: the same limits would fail again.
 */
import type { ReplicaStats, SaturationLevel } from '../contracts/domain.js';
import type { TrialStatus } from '../record/schema.js';

export interface Verdict {
  status: TrialStatus;
  error?: string;
  endsCell?: string;
}

const MIB = 1024 * 1024;
const mib = (bytes: number) => `${Math.round(bytes / MIB)} MiB`;
const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

/** What a workload did to the replica besides CPU (engine/replica-usage.ts has the CPU side). */
export interface WorkloadCounters {
  oomKills: number;
  restarts: number;
  /** the cgroup's max usage since the replica started, the largest of the replicas; null when not read */
  memoryPeakBytes: number | null;
}

/**
 * OOM kills and restarts between two reads, from the replicas' status, so they are counted with or
 * without cgroup counters (a replica that appeared in between counts from zero); the peak is the later read's.
 */
export function countersBetween(before: readonly ReplicaStats[], after: readonly ReplicaStats[]): WorkloadCounters {
  const earlier = new Map(before.map((s) => [s.name, s]));
  const delta = (key: 'oomKilled' | 'restarts') => sum(after.map((s) => Math.max(0, s[key] - (earlier.get(s.name)?.[key] ?? 0))));
  const peaks = after.map((s) => s.memoryPeakBytes).filter((v): v is number => v !== undefined);
  return { oomKills: delta('oomKilled'), restarts: delta('restarts'), memoryPeakBytes: peaks.length > 0 ? Math.max(...peaks) : null };
}

/** "503 ×40, 3 timeouts": what the failed answers were. */
export function failedAnswers(levels: readonly SaturationLevel[]): string {
  const statuses: Record<string, number> = {};
  for (const l of levels) for (const [code, n] of Object.entries(l.statuses)) statuses[code] = (statuses[code] ?? 0) + n;
  const parts = Object.entries(statuses).map(([code, n]) => `${code} ×${n}`);
  const timeouts = sum(levels.map((l) => l.timeouts));
  const errors = sum(levels.map((l) => l.errors)) - timeouts;
  if (timeouts > 0) parts.push(`${timeouts} timeouts`);
  if (errors > 0) parts.push(`${errors} connection errors`);
  return parts.join(', ') || 'no answers at all';
}

/** The verdict on a workload the replica was ready for. */
export function workloadVerdict(usage: WorkloadCounters, levels: readonly SaturationLevel[], memoryLimitMi: number): Verdict {
  if (usage.oomKills > 0) {
    const peak = usage.memoryPeakBytes === null ? '' : `, peak ${mib(usage.memoryPeakBytes)}`;
    const error = `OOM-killed ${usage.oomKills}× under the workload (memory limit ${memoryLimitMi} MiB${peak})`;
    return { status: 'oom', error, endsCell: error };
  }
  if (usage.restarts > 0) {
    const error = `the replica restarted ${usage.restarts}× under the workload without an OOM kill (see its log)`;
    return { status: 'failed', error, endsCell: error };
  }
  if (sum(levels.map((l) => l.successes)) === 0) {
    const error = `no successful answer: ${failedAnswers(levels)}`;
    return { status: 'failed', error, endsCell: error };
  }
  return { status: 'success' };
}

/** The verdict on a deployment that never became ready, from what its replicas showed before removal. */
export function deployFailureVerdict(message: string, stats: readonly ReplicaStats[], memoryLimitMi: number): Verdict {
  const kills = sum(stats.map((s) => s.oomKilled));
  if (kills > 0) {
    const peaks = stats.map((s) => s.memoryPeakBytes).filter((v): v is number => v !== undefined);
    const peak = peaks.length > 0 ? `, peak ${mib(Math.max(...peaks))}` : '';
    const error = `OOM-killed ${kills}× before it became ready (memory limit ${memoryLimitMi} MiB${peak}): the model does not fit`;
    return { status: 'oom', error, endsCell: error };
  }
  const error = `never became ready: ${message}`;
  return { status: 'failed', error, endsCell: error };
}
