/**
 * The assignment's study: max concurrent users at each replica count
 * (0.5 CPU / 512 MiB each) from each client location. Cells run replicas
 * ascending, locations inside, so scaling up reuses running replicas.
 */
import { fromRepoRoot } from '../../lib/repo-root.js';
import { balancerSpec, type DeploymentSpec } from '../contracts/deployment.js';
import { aggregateResults } from '../analyse/aggregate.js';
import { summaryCsv } from '../analyse/csv.js';
import { failureBound } from '../analyse/stats.js';
import { planCpu } from '../plan/capacity.js';
import type { StudyConfig } from '../plan/config.js';
import { estimateMaxUsersTrialS } from '../plan/estimate.js';
import type { Plan, PlannedCell } from '../plan/plan.js';
import { Results, type TrialResult } from '../record/schema.js';
import type { CellLayout, HostContext, Study } from './types.js';

/** The models a replica of the config's task serves, as host paths. */
export function modelPaths(config: StudyConfig): Pick<DeploymentSpec, 'modelPath' | 'poseDetectorPath'> {
  if (config.task === 'detection') return { modelPath: fromRepoRoot(config.model) };
  return { modelPath: fromRepoRoot(config.pose.model), poseDetectorPath: fromRepoRoot(config.pose.detector) };
}

function cells(config: StudyConfig, host: HostContext): CellLayout {
  const replicas = [...new Set(config.replicas)].sort((a, b) => a - b);
  const { replicaCpu, fittedToHost, capacity, warnings } = planCpu(
    { replicas, replicaCpu: config.replica.cpu, loadGenCpu: config.loadGenerator.cpu, hostCores: host.hostCores },
    host.fitHost,
  );
  const shape = { task: config.task, cpu: replicaCpu, memoryMi: config.replica.memoryMi, balancer: balancerSpec(config.balancer), ...modelPaths(config) };
  const planned: PlannedCell[] = capacity.flatMap((cap) =>
    config.locations.map((location) => ({
      id: `r${cap.replicas}-${location}`,
      replicas: cap.replicas,
      location,
      capacityBound: cap.bound,
      cpuDemand: cap.demand,
      deployment: { ...shape, replicas: cap.replicas },
    })),
  );
  return { cells: planned, replicaCpu, fittedToHost, warnings };
}

function resultsOf(plan: Plan, trials: readonly TrialResult[], meta: { limitsEnforced: boolean; createdAt: string }): Results {
  return Results.parse(aggregateResults(plan, trials, meta));
}

/** The model files a replicas (or binding) config names (also an unvalidated one), with the key that names each. */
export function modelFiles(config: unknown): [string, string][] {
  const get = (obj: unknown, key: string): unknown => (obj !== null && typeof obj === 'object' ? (obj as Record<string, unknown>)[key] : undefined);
  const str = (v: unknown, fallback: string) => (typeof v === 'string' && v.length > 0 ? v : fallback);
  if (get(config, 'task') === 'pose') {
    const pose = get(config, 'pose');
    return [
      [fromRepoRoot(str(get(pose, 'model'), 'model/movenet_singlepose_lightning_int8.onnx')), 'pose.model'],
      [fromRepoRoot(str(get(pose, 'detector'), 'model/yolov8n_int8.onnx')), 'pose.detector'],
    ];
  }
  return [[fromRepoRoot(str(get(config, 'model'), 'model/default.onnx')), 'model']];
}

function planLines(plan: Plan): string[] {
  const c = plan.config;
  return [
    `strategy ${c.strategy}  think ${c.thinkS[0]}-${c.thinkS[1]} s  timeout ${c.failure.timeoutMs} ms${c.failure.p95ObjectiveMs ? `  p95 objective ${c.failure.p95ObjectiveMs} ms` : ''}`,
    `holds ${c.search.holdS}-${c.search.maxHoldS} s${c.search.minRequests > 0 ? `, ≥ ${c.search.minRequests} requests each (0 failures in ${c.search.minRequests} requests: failure rate below ${failureBound(c.search.minRequests)} at 95 %)` : ''}`,
    `replica ${plan.replicaCpu} CPU${plan.fittedToHost ? ` (fitted from ${c.replica.cpu})` : ''} / ${c.replica.memoryMi} MiB; load generator ${c.loadGenerator.cpu} CPU; host ${plan.hostCores} cores`,
    '',
    'cell                   trials   CPU demand   capacity',
    ...plan.cells.map((cell) => {
      const name = `${cell.replicas} replica${cell.replicas === 1 ? '' : 's'} × ${cell.location}`.padEnd(22);
      const trials = `${c.trials.min}${c.trials.max > c.trials.min ? `-${c.trials.max}` : ''}`.padEnd(8);
      return `${name} ${trials} ${cell.cpuDemand.toFixed(2).padStart(10)}   ${cell.capacityBound ? 'OVER HOST CORES' : 'fits'}`;
    }),
  ];
}

/** "30 (1 trial)" or "29.7 ± 1.2 (n = 3)": one trial has no spread to show. */
export function maxUsersText(stat: Results['cells'][number]['maxUsers']): string {
  return stat.sd === null ? `${stat.mean} (${stat.n} trial${stat.n === 1 ? '' : 's'})` : `${stat.mean.toFixed(1)} ± ${stat.sd.toFixed(1)} (n = ${stat.n})`;
}

export const replicasStudy: Study = {
  name: 'replicas',
  title: 'max users per replica count and client location',
  question: 'max-users',
  defaultConfig: 'experiments/configs/assignment.json',
  cells,
  estimateTrialS: (config, cell) => estimateMaxUsersTrialS(config, cell.replicas),
  modelFiles,
  planLines,
  analyse(plan, trials, meta) {
    const results = resultsOf(plan, trials, meta);
    return {
      'experiment_results.json': `${JSON.stringify(results, null, 2)}\n`,
      'experiment_summary.csv': summaryCsv(results.cells),
    };
  },
  summarize(plan, trials) {
    const cells = resultsOf(plan, trials, { limitsEnforced: true, createdAt: '' }).cells.filter((c) => c.maxUsers.n > 0);
    if (cells.length === 0) return 'max users: none measured';
    const text = cells.map((c) => `${c.replicas}×${c.location} ${maxUsersText(c.maxUsers)}${c.capacityBound ? '*' : ''}`).join(', ');
    return `max users ${text}${cells.some((c) => c.capacityBound) ? ' (* over host capacity)' : ''}`;
  },
};
