/**
 * The resource-constraint study: one replica per configuration (CPU ×
 * memory, from a grid and/or named like the seed's, optionally with a GPU
 * share) serving each task × model, asked the `workload` question. Cells run
 * model by model, memory then CPU ascending. A GPU configuration on a
 * backend without GPUs, or a model measured only when installed and absent,
 * is planned as skipped with its reason; a configuration over the host's
 * cores (replica + load generator) is marked capacity-bound.
 */
import { fromRepoRoot } from '../../lib/repo-root.js';
import { balancerSpec, type DeploymentSpec } from '../contracts/deployment.js';
import { resourceFiles } from '../analyse/resources-files.js';
import { resourceRows } from '../analyse/resources-rows.js';
import { checkCapacity } from '../plan/capacity.js';
import type { StudyConfig } from '../plan/config.js';
import { PlanError } from '../plan/plan-error.js';
import type { Plan, PlannedCell } from '../plan/plan.js';
import type { ModelEntry, NamedConfiguration } from '../plan/resources-config.js';
import type { CellLayout, HostContext, Study } from './types.js';

/** Process start, worker hand-over and the RTT probe of one workload job, seconds. */
const JOB_OVERHEAD_S = 1.5;
/** Replacing a replica here: the old one drains and stops, the new one loads its model (measured 2-6 s at 0.25-1 CPU). */
const DEPLOY_S = 6;

/** The grid's configurations, memory then CPU ascending, then the named ones. */
export function configurations(config: StudyConfig): NamedConfiguration[] {
  const { grid, configurations: named } = config.resources;
  const cpus = [...new Set(grid.cpus)].sort((a, b) => a - b);
  const memories = [...new Set(grid.memoryMi)].sort((a, b) => a - b);
  return [...memories.flatMap((memoryMi) => cpus.map((cpu) => ({ name: `cpu${cpu}-mem${memoryMi}`, cpu, memoryMi }))), ...named];
}

const modelFilesOf = (m: Pick<ModelEntry, 'model' | 'detector'>) => [m.model, ...(m.detector ? [m.detector] : [])];

function deployment(config: StudyConfig, model: ModelEntry, shape: NamedConfiguration): DeploymentSpec {
  return {
    task: model.task,
    replicas: 1,
    cpu: shape.cpu,
    memoryMi: shape.memoryMi,
    modelPath: fromRepoRoot(model.model),
    ...(model.detector ? { poseDetectorPath: fromRepoRoot(model.detector) } : {}),
    balancer: balancerSpec(config.balancer),
    ...(shape.gpu ? { gpu: shape.gpu } : {}),
  };
}

function cells(config: StudyConfig, host: HostContext): CellLayout {
  if (host.fitHost) throw new PlanError('--fit-host does not apply to the resources study: its CPU levels are what it measures (drop --fit-host)');
  const shapes = configurations(config);
  const capacity = shapes.map((s) => checkCapacity({ replicas: [1], replicaCpu: s.cpu, loadGenCpu: config.loadGenerator.cpu, hostCores: host.hostCores })[0]!);
  const planned: PlannedCell[] = config.resources.models.flatMap((model) => {
    const missing = model.ifInstalled ? modelFilesOf(model).filter((f) => !host.fileExists(fromRepoRoot(f))) : [];
    return shapes.map((shape, i) => {
      const cap = capacity[i]!;
      const skip = missing.length > 0
        ? `model not installed (${missing.join(', ')})`
        : shape.gpu && !host.gpu ? 'GPU share not available on this backend' : undefined;
      return {
        id: `${model.name}-${shape.name}`,
        replicas: 1,
        location: 'cluster' as const,
        capacityBound: cap.bound,
        cpuDemand: cap.demand,
        deployment: deployment(config, model, shape),
        labels: { configuration: shape.name, model: model.name },
        ...(skip ? { skip } : {}),
      };
    });
  });
  const warnings: string[] = [];
  const over = shapes.filter((_, i) => capacity[i]!.bound).map((s) => `${s.name} (${s.cpu} + ${config.loadGenerator.cpu} for the load generator)`);
  if (over.length > 0) {
    warnings.push(`CAPACITY: ${over.join(', ')} ask more than the host's ${host.hostCores} cores: these configurations measure the host, not the replica (marked capacityBound)`);
  }
  return { cells: planned, replicaCpu: Math.max(...shapes.map((s) => s.cpu)), fittedToHost: false, warnings };
}

function estimateTrialS(config: StudyConfig): number {
  const w = config.resources.workload;
  return 2 * (w.warmupS + w.durationS) + JOB_OVERHEAD_S;
}

/** Models that must exist, with their config keys; those measured only when installed are the plan's to skip. */
function modelFiles(config: unknown): [string, string][] {
  const resources = (config as { resources?: { models?: unknown } } | null)?.resources;
  const models = Array.isArray(resources?.models) ? (resources.models as Partial<ModelEntry>[]) : [];
  return models.flatMap((m, i) => {
    if (m?.ifInstalled === true) return [];
    const keys: [unknown, string][] = [[m?.model, `resources.models[${i}].model`], [m?.detector, `resources.models[${i}].detector`]];
    return keys.filter((k): k is [string, string] => typeof k[0] === 'string' && k[0].length > 0).map(([file, key]): [string, string] => [fromRepoRoot(file), key]);
  });
}

const gpuText = (c: PlannedCell) => {
  const g = c.deployment.gpu;
  return g ? `${g.count} vGPU${g.coresPercent ? ` ${g.coresPercent} %` : ''}${g.memoryMi ? ` ${g.memoryMi} MiB` : ''}` : '-';
};

function planLines(plan: Plan): string[] {
  const { config } = plan;
  const w = config.resources.workload;
  return [
    `workload: warm-up ${w.warmupS} s, then concurrency 1 and ${w.saturationConcurrency}, each ≤ ${w.durationS} s and ≤ ${w.maxRequests} requests; timeout ${config.failure.timeoutMs} ms; ready within ${config.readyTimeoutS} s`,
    `load generator ${config.loadGenerator.cpu} CPU; host ${plan.hostCores} cores; objective p95 ≤ ${config.resources.objective.p95Ms} ms alone`,
    '',
    'configuration            model          CPU   MiB   GPU                    trials  CPU demand  capacity',
    ...plan.cells.map((c) => {
      const trials = c.skip ? '-' : `${config.trials.min}${config.trials.max > config.trials.min ? `-${config.trials.max}` : ''}`;
      const capacity = c.skip ? `SKIPPED: ${c.skip}` : c.capacityBound ? 'OVER HOST CORES' : 'fits';
      return [
        (c.labels?.configuration ?? c.id).padEnd(24), (c.labels?.model ?? '').padEnd(14), String(c.deployment.cpu).padStart(4),
        String(c.deployment.memoryMi).padStart(5), ' ', gpuText(c).padEnd(22), trials.padEnd(7), c.cpuDemand.toFixed(2).padStart(10), ' ', capacity,
      ].join(' ');
    }),
  ];
}

export const resourcesStudy: Study = {
  name: 'resources',
  title: 'images/s, latency and memory per CPU × memory (× GPU) configuration and task × model',
  question: 'workload',
  defaultConfig: 'experiments/configs/resources.json',
  cells,
  estimateTrialS,
  estimateDeployS: () => DEPLOY_S,
  modelFiles,
  planLines,
  analyse(plan, trials, meta) {
    const rows = resourceRows(plan.cells, trials, meta.limitsEnforced, plan.hostCores);
    return resourceFiles(rows, plan.config.resources, {
      runId: plan.runId,
      createdAt: meta.createdAt,
      profile: plan.profile,
      backend: plan.backend,
      limitsEnforced: meta.limitsEnforced,
      hostCores: plan.hostCores,
      loadGenCpu: plan.config.loadGenerator.cpu,
    });
  },
  summarize(plan, trials) {
    const rows = resourceRows(plan.cells, trials, true, plan.hostCores);
    const count = (s: string) => rows.filter((r) => r.status === s).length;
    const best = rows.filter((r) => r.status === 'success').sort((a, b) => b.imagesPerS.mean - a.imagesPerS.mean);
    const top = best.filter((r, i) => best.findIndex((o) => o.model === r.model) === i).map((r) => `${r.model} ${r.imagesPerS.mean.toFixed(1)} images/s at ${r.configuration}${r.capacityBound ? '*' : ''}`);
    const counts = `${count('success')} served, ${count('oom')} oom, ${count('failed')} failed, ${count('skipped')} skipped${count('pending') ? `, ${count('pending')} not run` : ''}`;
    const topBound = best.some((r, i) => r.capacityBound && best.findIndex((o) => o.model === r.model) === i);
    return `${rows.length} configurations × models: ${counts}${top.length ? `; best ${top.join(', ')}` : ''}${topBound ? ' (* over host capacity)' : ''}`;
  },
};
