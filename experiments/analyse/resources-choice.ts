/**
 * Rows → efficiency and the recommended configuration per task × model,
 * pure: images/s per CPU and per GiB, each against the best configuration
 * of its task × model, the price of a replica-hour from the config's cost
 * weights, and three choices — the most images/s, the most per CPU, and the
 * cheapest that meets the latency objective. Only configurations that
 * served (status success) are candidates.
 */
import type { GpuShare } from '../contracts/deployment.js';
import type { ResourcesConfig } from '../plan/resources-config.js';
import type { ResourceRow } from './resources-rows.js';

export type Costs = ResourcesConfig['costs'];

/** GPUs' worth of a share: count × the percent of cores (a whole GPU when unset); the seed's `gpu_ratio`. */
export const gpuRatio = (gpu: GpuShare | null): number | null => (gpu ? gpu.count * ((gpu.coresPercent ?? 100) / 100) : null);

export function costPerHour(row: Pick<ResourceRow, 'cpu' | 'memoryMi' | 'gpu'>, costs: Costs): number {
  return row.cpu * costs.perCpuHour + (row.memoryMi / 1024) * costs.perGiBHour + (gpuRatio(row.gpu) ?? 0) * costs.perGpuHour;
}

export interface AnalysisRow {
  row: ResourceRow;
  imagesPerSPerCpu: number | null;
  imagesPerSPerGiB: number | null;
  /** images/s ÷ the best images/s of this task × model */
  efficiencyVsBest: number | null;
  /** images/s per CPU ÷ the best images/s per CPU of this task × model */
  perCpuEfficiencyVsBest: number | null;
  /** peak memory ÷ the limit */
  memoryUtilisation: number | null;
  costPerHour: number;
  /** what a million images cost at this configuration's saturated rate */
  costPerMillionImages: number | null;
  /** p95 of one request alone within the objective */
  meetsObjective: boolean | null;
}

const key = (r: Pick<ResourceRow, 'task' | 'model'>) => `${r.task}/${r.model}`;
const served = (r: ResourceRow) => r.status === 'success' && r.imagesPerS.mean > 0;

export function analysisRows(rows: readonly ResourceRow[], resources: Pick<ResourcesConfig, 'costs' | 'objective'>): AnalysisRow[] {
  const perCpu = (r: ResourceRow) => r.imagesPerS.mean / r.cpu;
  const best = new Map<string, { rate: number; perCpu: number }>();
  for (const r of rows.filter(served)) {
    const b = best.get(key(r)) ?? { rate: 0, perCpu: 0 };
    best.set(key(r), { rate: Math.max(b.rate, r.imagesPerS.mean), perCpu: Math.max(b.perCpu, perCpu(r)) });
  }
  return rows.map((r) => {
    const ok = served(r);
    const b = best.get(key(r));
    const cost = costPerHour(r, resources.costs);
    return {
      row: r,
      imagesPerSPerCpu: ok ? perCpu(r) : null,
      imagesPerSPerGiB: ok ? r.imagesPerS.mean / (r.memoryMi / 1024) : null,
      efficiencyVsBest: ok && b ? r.imagesPerS.mean / b.rate : null,
      perCpuEfficiencyVsBest: ok && b ? perCpu(r) / b.perCpu : null,
      memoryUtilisation: r.peakMemoryBytes === null ? null : r.peakMemoryBytes / (r.memoryMi * 1024 * 1024),
      costPerHour: cost,
      costPerMillionImages: ok ? (cost / (r.imagesPerS.mean * 3600)) * 1e6 : null,
      meetsObjective: ok && r.latencyMs ? r.latencyMs.p95 <= resources.objective.p95Ms : null,
    };
  });
}

export interface Choice {
  configuration: string;
  cell: string;
  cpu: number;
  memoryMi: number;
  gpu: GpuShare | null;
  imagesPerS: number;
  imagesPerSPerCpu: number;
  aloneP95Ms: number | null;
  costPerHour: number;
  costPerMillionImages: number | null;
  /** the host, not the replica, bounded it (replica + generator CPU over the host's cores) */
  capacityBound: boolean;
  n: number;
}

export interface TaskModelChoices {
  task: ResourceRow['task'];
  model: string;
  bestThroughput: Choice | null;
  bestPerCpu: Choice | null;
  cheapestMeetingObjective: Choice | null;
  /** no configuration of this task × model ran (all skipped) */
  measured: boolean;
  /** why a choice is null */
  notes: string[];
}

function choice(a: AnalysisRow): Choice {
  const r = a.row;
  return {
    configuration: r.configuration,
    cell: r.cell,
    cpu: r.cpu,
    memoryMi: r.memoryMi,
    gpu: r.gpu,
    imagesPerS: r.imagesPerS.mean,
    imagesPerSPerCpu: a.imagesPerSPerCpu ?? 0,
    aloneP95Ms: r.latencyMs?.p95 ?? null,
    costPerHour: a.costPerHour,
    costPerMillionImages: a.costPerMillionImages,
    capacityBound: r.capacityBound,
    n: r.n,
  };
}

/** The first of `xs` by `score` descending; ties keep the cheaper (earlier after sorting by cost). */
function top(xs: readonly AnalysisRow[], score: (a: AnalysisRow) => number): AnalysisRow | undefined {
  return [...xs].sort((a, b) => score(b) - score(a) || a.costPerHour - b.costPerHour)[0];
}

export function optimalConfigurations(analysed: readonly AnalysisRow[], objective: ResourcesConfig['objective']): TaskModelChoices[] {
  const groups = new Map<string, AnalysisRow[]>();
  for (const a of analysed) groups.set(key(a.row), [...(groups.get(key(a.row)) ?? []), a]);
  return [...groups.values()].map((group) => {
    const { task, model } = group[0]!.row;
    const candidates = group.filter((a) => served(a.row));
    const notes: string[] = [];
    const skipped = group.filter((a) => a.row.status === 'skipped');
    if (skipped.length === group.length) notes.push(`not measured: ${[...new Set(skipped.map((a) => a.row.error))].join('; ')}`);
    else if (candidates.length === 0) notes.push(`no configuration served ${model} (${group.map((a) => `${a.row.configuration}: ${a.row.status}`).join(', ')})`);
    const meeting = candidates.filter((a) => a.meetsObjective === true);
    const cheapest = [...meeting].sort((a, b) => a.costPerHour - b.costPerHour || b.row.imagesPerS.mean - a.row.imagesPerS.mean)[0];
    if (candidates.length > 0 && !cheapest) {
      const fastest = [...candidates].filter((a) => a.row.latencyMs).sort((a, b) => a.row.latencyMs!.p95 - b.row.latencyMs!.p95)[0];
      notes.push(`no configuration met p95 ≤ ${objective.p95Ms} ms alone${fastest ? ` (lowest: ${fastest.row.latencyMs!.p95.toFixed(1)} ms at ${fastest.row.configuration})` : ''}`);
    }
    const best = top(candidates, (a) => a.row.imagesPerS.mean);
    const perCpu = top(candidates, (a) => a.imagesPerSPerCpu ?? 0);
    for (const [what, c] of [['most images/s', best], ['most images/s per CPU', perCpu]] as const) {
      if (c?.row.capacityBound) notes.push(`${what} (${c.row.configuration}) was measured over the host's capacity: the host bounded it`);
    }
    return {
      task,
      model,
      measured: skipped.length < group.length,
      bestThroughput: best ? choice(best) : null,
      bestPerCpu: perCpu ? choice(perCpu) : null,
      cheapestMeetingObjective: cheapest ? choice(cheapest) : null,
      notes,
    };
  });
}
