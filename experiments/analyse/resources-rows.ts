/**
 * Workload trials → one row per configuration × task × model (a planned
 * cell), pure. Only valid trials count; the cell's status is its worst
 * trial's (an OOM kill outranks another failure, which outranks success);
 * latencies merge the trials' histograms, images/s is one value per trial.
 */
import type { Percentiles } from '../contracts/domain.js';
import type { GpuShare } from '../contracts/deployment.js';
import { mergeHistograms, percentilesMs } from '../load/histogram.js';
import type { PlannedCell } from '../plan/plan.js';
import { isWorkloadTrial, type Stat, type TrialResult, type WorkloadTrial } from '../record/schema.js';
import { describe } from './stats.js';

export const ROW_STATUSES = ['success', 'oom', 'failed', 'skipped', 'pending'] as const;
export type RowStatus = (typeof ROW_STATUSES)[number];

export interface ResourceRow {
  cell: string;
  configuration: string;
  model: string;
  task: PlannedCell['deployment']['task'];
  cpu: number;
  memoryMi: number;
  gpu: GpuShare | null;
  status: RowStatus;
  /** the reason for any status but success (skip reason, OOM kill, readiness timeout) */
  error: string | null;
  /** valid trials behind the numbers */
  n: number;
  invalidTrials: number;
  /** 2xx per second at saturation, one value per trial */
  imagesPerS: Stat;
  /** 2xx per second at concurrency 1 */
  aloneImagesPerS: Stat;
  /** latency of one request alone (concurrency 1), histograms merged over trials */
  latencyMs: Percentiles | null;
  /** latency at saturation (queueing included) */
  saturatedLatencyMs: Percentiles | null;
  requests: number;
  successes: number;
  /** the cgroup's max usage, the largest over trials */
  peakMemoryBytes: number | null;
  /** mean over trials of the share of CFS periods in which the replica hit its quota */
  throttledShare: number | null;
  /** mean cores the replica used over a workload (CPU seconds / workload seconds) */
  cpuUsedCores: number | null;
  /** mean share of the host's cores busy over a workload, every process counted */
  hostBusyShare: number | null;
  /** mean cores the host spent on work other than the replica and the load generator during a workload */
  otherLoadCores: number | null;
  /** seconds to ready, one value per deploy */
  startupS: Stat;
  /** mean seconds of one workload (warm-ups included) */
  workloadS: number | null;
  /** wall seconds the configuration took over all its trials: to ready (or to the failure), then each workload */
  totalS: number | null;
  /** when the last trial ended */
  endedAt: string | null;
  capacityBound: boolean;
  /** cores the cell asks of the host: the replica's CPU + the load generator's */
  cpuDemand: number;
  limitsEnforced: boolean;
}

const RANK: Record<WorkloadTrial['status'], number> = { success: 0, failed: 1, oom: 2 };

const meanOf = (xs: readonly number[]): number | null => (xs.length === 0 ? null : xs.reduce((a, b) => a + b, 0) / xs.length);

const present = <T>(xs: readonly (T | null | undefined)[]): T[] => xs.filter((x): x is T => x !== null && x !== undefined);

function merged(levels: readonly ({ histogram: string; successes: number } | undefined)[]): Percentiles | null {
  const withAnswers = present(levels).filter((l) => l.successes > 0);
  return withAnswers.length === 0 ? null : percentilesMs(mergeHistograms(withAnswers.map((l) => l.histogram)));
}

/** `hostCores`: the cores the plan counts as the host's, for the other load beside the replica and the generator. */
export function resourceRow(cell: PlannedCell, trials: readonly TrialResult[], limitsEnforcedDefault: boolean, hostCores: number): ResourceRow {
  const mine = trials.filter(isWorkloadTrial).filter((t) => t.cell === cell.id);
  const valid = mine.filter((t) => t.valid);
  const worst = [...valid].sort((a, b) => RANK[b.status] - RANK[a.status])[0];
  const status: RowStatus = cell.skip !== undefined ? 'skipped' : worst ? worst.status : 'pending';
  const usages = present(valid.map((t) => t.usage));
  const used = valid.map((t) => (t.usage && t.usage.seconds > 0 ? t.usage.cpuSeconds / t.usage.seconds : null));
  const others = valid.map((t, i) => (t.usage?.hostBusyShare !== undefined && used[i] != null ? Math.max(0, t.usage.hostBusyShare * hostCores - used[i]! - t.loadGenCpu) : null));
  const wall = (t: WorkloadTrial) => (t.startupS ?? 0) + Math.max(0, (Date.parse(t.endedAt) - Date.parse(t.startedAt)) / 1000);
  const ended = valid.map((t) => t.endedAt).sort();
  return {
    cell: cell.id,
    configuration: cell.labels?.configuration ?? cell.id,
    model: cell.labels?.model ?? cell.deployment.modelPath,
    task: cell.deployment.task,
    cpu: cell.deployment.cpu,
    memoryMi: cell.deployment.memoryMi,
    gpu: cell.deployment.gpu ?? null,
    status,
    error: cell.skip ?? worst?.error ?? null,
    n: valid.length,
    invalidTrials: mine.length - valid.length,
    imagesPerS: describe(valid.map((t) => t.levels[1]?.throughput ?? 0)),
    aloneImagesPerS: describe(valid.map((t) => t.levels[0]?.throughput ?? 0)),
    latencyMs: merged(valid.map((t) => t.levels[0])),
    saturatedLatencyMs: merged(valid.map((t) => t.levels[1])),
    requests: valid.reduce((n, t) => n + t.levels.reduce((m, l) => m + l.requests, 0), 0),
    successes: valid.reduce((n, t) => n + t.levels.reduce((m, l) => m + l.successes, 0), 0),
    peakMemoryBytes: (() => {
      const peaks = present([...valid.map((t) => t.memoryPeakBytes), ...valid.flatMap((t) => t.replicaStats.map((s) => s.memoryPeakBytes))]);
      return peaks.length === 0 ? null : Math.max(...peaks);
    })(),
    throttledShare: meanOf(present(usages.map((u) => u.throttledShare))),
    cpuUsedCores: meanOf(present(used)),
    hostBusyShare: meanOf(present(valid.map((t) => t.usage?.hostBusyShare))),
    otherLoadCores: meanOf(present(others)),
    startupS: describe(present(valid.map((t) => t.startupS))),
    workloadS: meanOf(valid.filter((t) => t.levels.length > 0).map((t) => t.workloadS)),
    totalS: valid.length === 0 ? null : valid.reduce((s, t) => s + wall(t), 0),
    endedAt: ended.at(-1) ?? null,
    capacityBound: cell.capacityBound,
    cpuDemand: cell.cpuDemand,
    limitsEnforced: mine.length > 0 ? mine.every((t) => t.limitsEnforced) : limitsEnforcedDefault,
  };
}

export function resourceRows(cells: readonly PlannedCell[], trials: readonly TrialResult[], limitsEnforced: boolean, hostCores: number): ResourceRow[] {
  return cells.map((c) => resourceRow(c, trials, limitsEnforced, hostCores));
}
