/**
 * The assignment's study: max concurrent users at each replica count
 * (0.5 CPU / 512 MiB each) from each client location. Cells run replicas
 * ascending, locations inside, so scaling up reuses running replicas.
 */
import { fromRepoRoot } from '../../lib/repo-root.js';
import type { DeploymentSpec } from '../contracts/deployment.js';
import { aggregateResults } from '../analyse/aggregate.js';
import { summaryCsv } from '../analyse/csv.js';
import { capacityWarning, checkCapacity, fitReplicaCpu } from '../plan/capacity.js';
import type { StudyConfig } from '../plan/config.js';
import { estimateMaxUsersTrialS } from '../plan/estimate.js';
import { PlanError, type Plan, type PlannedCell } from '../plan/plan.js';
import { Results, type TrialResult } from '../record/schema.js';
import type { CellLayout, HostContext, Study } from './types.js';

/** The models a replica of the config's task serves, as host paths. */
export function modelPaths(config: StudyConfig): Pick<DeploymentSpec, 'modelPath' | 'poseDetectorPath'> {
  if (config.task === 'detection') return { modelPath: fromRepoRoot(config.model) };
  return { modelPath: fromRepoRoot(config.pose.model), poseDetectorPath: fromRepoRoot(config.pose.detector) };
}

function cells(config: StudyConfig, host: HostContext): CellLayout {
  const replicas = [...new Set(config.replicas)].sort((a, b) => a - b);
  const warnings: string[] = [];
  let replicaCpu = config.replica.cpu;
  const capacityInput = { replicas, replicaCpu, loadGenCpu: config.loadGenerator.cpu, hostCores: host.hostCores };
  let fittedToHost = false;
  if (host.fitHost) {
    const fitted = fitReplicaCpu(capacityInput);
    if (fitted === null || fitted <= 0) {
      throw new PlanError(`--fit-host: the load generator's ${config.loadGenerator.cpu} cores leave nothing of ${host.hostCores} for replicas`);
    }
    if (fitted < replicaCpu) {
      warnings.push(`--fit-host: per-replica CPU scaled from ${replicaCpu} to ${fitted} cores so ${Math.max(...replicas)} replicas fit ${host.hostCores} cores`);
      replicaCpu = fitted;
      fittedToHost = true;
    }
  }
  const capacity = checkCapacity({ ...capacityInput, replicaCpu });
  const warning = capacityWarning(capacity, host.hostCores);
  if (warning) warnings.push(warning);
  const shape = { task: config.task, cpu: replicaCpu, memoryMi: config.replica.memoryMi, balancer: config.balancer, ...modelPaths(config) };
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
