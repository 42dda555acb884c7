/**
 * The resources study's four result files, named as in the seed, pure:
 *   experiment_results.csv      one row per configuration × task × model: the seed's columns, then ours
 *   experiment_analysis.csv     images/s per CPU and per GiB, efficiency against the best, cost
 *   experiment_summary.json     counts, settings and the generated observations
 *   optimal_configurations.json per task × model: most images/s, most per CPU, cheapest meeting the objective
 * The seed's GPU-memory-used column stays empty: nothing here measures it, and nothing is guessed.
 */
import type { ResourcesConfig } from '../plan/resources-config.js';
import { roundNumbers } from './aggregate.js';
import { analysisRows, gpuRatio, optimalConfigurations, type AnalysisRow } from './resources-choice.js';
import { resourceObservations, type ObservationContext } from './resources-observations.js';
import { ROW_STATUSES, type ResourceRow } from './resources-rows.js';

/** The seed's columns, in its order, where they apply. */
export const SEED_COLUMNS = [
  'pod_name', 'task', 'cpu_cores', 'memory_gb', 'gpu_ratio', 'gpu_memory_mb', 'total_time', 'task_execution_time',
  'gpu_memory_used', 'cpu_memory_percent', 'status', 'error_message', 'timestamp',
] as const;
/** Ours: what a sizing decision needs. */
export const OUR_COLUMNS = [
  'model', 'images_per_s', 'p50_ms', 'p95_ms', 'p99_ms', 'peak_memory_mb', 'cpu_throttled_share', 'startup_s', 'n',
  'images_per_s_sd', 'images_per_s_ci95_low', 'images_per_s_ci95_high', 'alone_images_per_s', 'saturated_p95_ms',
  'gpu_count', 'gpu_cores_percent', 'cpu_used_cores', 'host_busy_share', 'other_load_cores', 'requests', 'success_rate', 'capacity_bound', 'cpu_demand',
  'limits_enforced', 'invalid_trials', 'cell',
] as const;
export const RESULTS_CSV_COLUMNS = [...SEED_COLUMNS, ...OUR_COLUMNS] as const;

export const ANALYSIS_CSV_COLUMNS = [
  'pod_name', 'task', 'model', 'cpu_cores', 'memory_gb', 'gpu_ratio', 'status', 'images_per_s', 'images_per_s_per_cpu',
  'images_per_s_per_gib', 'efficiency_vs_best', 'per_cpu_efficiency_vs_best', 'memory_utilisation', 'cost_per_hour',
  'cost_per_million_images', 'meets_objective', 'capacity_bound', 'n',
] as const;

type Value = string | number | boolean | null;
const MIB = 1024 * 1024;

/** RFC 4180: a field with a comma, quote or line break is quoted, its quotes doubled. */
function field(v: Value): string {
  if (v === null) return '';
  const s = String(typeof v === 'number' ? roundNumbers(v) : v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function csv<C extends string>(columns: readonly C[], rows: readonly Record<C, Value>[]): string {
  return `${[columns.join(','), ...rows.map((r) => columns.map((c) => field(r[c])).join(','))].join('\n')}\n`;
}

const measured = (r: ResourceRow) => r.n > 0 && r.status !== 'skipped';

function resultsRow(r: ResourceRow): Record<(typeof RESULTS_CSV_COLUMNS)[number], Value> {
  const m = measured(r);
  const startup = r.startupS.n > 0 ? r.startupS.mean : null;
  return {
    pod_name: r.configuration,
    task: r.task,
    cpu_cores: r.cpu,
    memory_gb: r.memoryMi / 1024,
    gpu_ratio: gpuRatio(r.gpu),
    gpu_memory_mb: r.gpu?.memoryMi ?? null,
    total_time: r.totalS,
    task_execution_time: r.workloadS,
    gpu_memory_used: null,
    cpu_memory_percent: r.peakMemoryBytes === null ? null : (100 * r.peakMemoryBytes) / (r.memoryMi * MIB),
    status: r.status,
    error_message: r.error,
    timestamp: r.endedAt,
    model: r.model,
    images_per_s: m ? r.imagesPerS.mean : null,
    p50_ms: r.latencyMs?.p50 ?? null,
    p95_ms: r.latencyMs?.p95 ?? null,
    p99_ms: r.latencyMs?.p99 ?? null,
    peak_memory_mb: r.peakMemoryBytes === null ? null : r.peakMemoryBytes / MIB,
    cpu_throttled_share: r.throttledShare,
    startup_s: startup,
    n: r.n,
    images_per_s_sd: r.imagesPerS.sd,
    images_per_s_ci95_low: r.imagesPerS.ci95?.[0] ?? null,
    images_per_s_ci95_high: r.imagesPerS.ci95?.[1] ?? null,
    alone_images_per_s: m ? r.aloneImagesPerS.mean : null,
    saturated_p95_ms: r.saturatedLatencyMs?.p95 ?? null,
    gpu_count: r.gpu?.count ?? null,
    gpu_cores_percent: r.gpu?.coresPercent ?? null,
    cpu_used_cores: r.cpuUsedCores,
    host_busy_share: r.hostBusyShare,
    other_load_cores: r.otherLoadCores,
    requests: r.requests,
    success_rate: r.requests > 0 ? r.successes / r.requests : null,
    capacity_bound: r.capacityBound,
    cpu_demand: r.cpuDemand,
    limits_enforced: r.limitsEnforced,
    invalid_trials: r.invalidTrials,
    cell: r.cell,
  };
}

function analysisRow(a: AnalysisRow): Record<(typeof ANALYSIS_CSV_COLUMNS)[number], Value> {
  const r = a.row;
  return {
    pod_name: r.configuration,
    task: r.task,
    model: r.model,
    cpu_cores: r.cpu,
    memory_gb: r.memoryMi / 1024,
    gpu_ratio: gpuRatio(r.gpu),
    status: r.status,
    images_per_s: measured(r) ? r.imagesPerS.mean : null,
    images_per_s_per_cpu: a.imagesPerSPerCpu,
    images_per_s_per_gib: a.imagesPerSPerGiB,
    efficiency_vs_best: a.efficiencyVsBest,
    per_cpu_efficiency_vs_best: a.perCpuEfficiencyVsBest,
    memory_utilisation: a.memoryUtilisation,
    cost_per_hour: a.costPerHour,
    cost_per_million_images: a.costPerMillionImages,
    meets_objective: a.meetsObjective,
    capacity_bound: r.capacityBound,
    n: r.n,
  };
}

export interface FilesMeta extends ObservationContext {
  runId: string;
  createdAt: string;
  profile: string | null;
}

export function resourceFiles(rows: readonly ResourceRow[], resources: ResourcesConfig, meta: FilesMeta): Record<string, string> {
  const analysed = analysisRows(rows, resources);
  const counts = Object.fromEntries(ROW_STATUSES.map((s) => [s, rows.filter((r) => r.status === s).length]));
  const summary = {
    study: 'resources',
    runId: meta.runId,
    createdAt: meta.createdAt,
    profile: meta.profile,
    backend: meta.backend,
    limitsEnforced: meta.limitsEnforced,
    hostCores: meta.hostCores,
    loadGeneratorCpu: meta.loadGenCpu,
    workload: resources.workload,
    objective: resources.objective,
    costs: resources.costs,
    configurations: [...new Set(rows.map((r) => r.configuration))].length,
    models: [...new Set(rows.map((r) => r.model))],
    experiments: rows.length,
    counts,
    observations: resourceObservations(rows, meta),
  };
  const optimal = { objective: resources.objective, costs: resources.costs, byTaskModel: optimalConfigurations(analysed, resources.objective) };
  return {
    'experiment_results.csv': csv(RESULTS_CSV_COLUMNS, rows.map(resultsRow)),
    'experiment_analysis.csv': csv(ANALYSIS_CSV_COLUMNS, analysed.map(analysisRow)),
    'experiment_summary.json': `${JSON.stringify(roundNumbers(summary), null, 2)}\n`,
    'optimal_configurations.json': `${JSON.stringify(roundNumbers(optimal), null, 2)}\n`,
  };
}
