/**
 * The binding study: how binding a request to a replica early (on arrival)
 * or late (when a replica has a free slot) changes job completion time under
 * a heavy-tailed open load. Axes: replicas × offered load × balancer
 * policy, one cell each; policies vary fastest so every policy of a load
 * runs on the same running replicas (a policy change never restarts them).
 * Each cell asks the `jct` question (engine/jct-trial.ts).
 */
import { balancerSpec, type WorkSpec } from '../contracts/deployment.js';
import { meanUnits } from '../load/open-schedule.js';
import { compareShortJobs, shortClasses, MIN_SHORT } from '../analyse/binding-compare.js';
import { bindingCsv } from '../analyse/binding-csv.js';
import { observe, withLimits } from '../analyse/binding-observe.js';
import { bindingCell, BindingResults, resultGroups } from '../analyse/binding-results.js';
import { sizeDistribution, type BindingConfig, type PolicyEntry } from '../plan/binding-config.js';
import { planCpu } from '../plan/capacity.js';
import type { StudyConfig } from '../plan/config.js';
import { PlanError } from '../plan/plan-error.js';
import type { Plan, PlannedCell } from '../plan/plan.js';
import { isJctTrial, SCHEMA_VERSION, type TrialResult } from '../record/schema.js';
import { modelFiles, modelPaths } from './replicas.js';
import type { CellLayout, HostContext, Study } from './types.js';

/** The service's own per-request CPU bound (service/routes/work.ts). */
const MAX_REQUEST_CPU_MS = 60_000;

const entryName = (e: PolicyEntry) => (typeof e === 'string' ? e : e.label ?? e.policy);

/** Requests per second that offer `utilisation` of `replicas` × `cpu` cores, at the configured sizes and unit. */
export function arrivalRate(b: BindingConfig, utilisation: number, replicas: number, cpu: number): number {
  return (utilisation * replicas * cpu * 1000) / (meanUnits(sizeDistribution(b)) * b.unitMs);
}

/** The replicas' work route; a request may wait in a replica as long as its client waits for it, so a replica never refuses what the client still wants. */
function work(config: StudyConfig): WorkSpec {
  const b = config.binding;
  const maxUnits = Math.max(...sizeDistribution(b).units);
  if (maxUnits * b.unitMs > MAX_REQUEST_CPU_MS) throw new PlanError(`binding: the largest size (${maxUnits} units × ${b.unitMs} ms) exceeds the ${MAX_REQUEST_CPU_MS} ms of CPU a replica allows a request`);
  return { unitMs: b.unitMs, maxUnits, queueLength: b.replicaQueue, queueTimeoutMs: config.failure.timeoutMs };
}

function cells(config: StudyConfig, host: HostContext): CellLayout {
  const b = config.binding;
  const names = b.policies.map(entryName);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice) throw new PlanError(`binding.policies: "${twice}" appears twice (give one entry a "label")`);
  const replicas = [...new Set(config.replicas)].sort((x, y) => x - y);
  const cpu = planCpu({ replicas, replicaCpu: config.replica.cpu, loadGenCpu: config.loadGenerator.cpu, hostCores: host.hostCores }, host.fitHost);
  const sizes = sizeDistribution(b);
  const short = shortClasses(sizes, b.shortMaxUnits);
  const warnings = [...cpu.warnings];
  if (short.units.length === 0) warnings.push(`binding: no size is ≤ shortMaxUnits ${b.shortMaxUnits}: there are no short jobs to compare`);
  const shape = { task: config.task, cpu: cpu.replicaCpu, memoryMi: config.replica.memoryMi, ...modelPaths(config), work: work(config) };
  const planned: PlannedCell[] = [];
  for (const cap of cpu.capacity) {
    for (const utilisation of [...b.loads].sort((x, y) => x - y)) {
      const ratePerS = arrivalRate(b, utilisation, cap.replicas, cpu.replicaCpu);
      const shortPerPolicy = ratePerS * b.durationS * b.rounds * config.trials.min * short.share;
      if (short.units.length > 0 && shortPerPolicy < MIN_SHORT) {
        warnings.push(`binding: ${cap.replicas} replicas at load ${utilisation} expect ${shortPerPolicy.toFixed(0)} short jobs per policy, under the ${MIN_SHORT} a comparison needs (longer durationS, or more rounds)`);
      }
      for (let round = 0; round < b.rounds; round++) {
        for (const entry of b.policies) {
          const name = entryName(entry);
          const { policy, ...own } = typeof entry === 'string' ? { policy: entry } : entry;
          planned.push({
            id: `r${cap.replicas}-${config.locations[0]}-u${Math.round(utilisation * 100)}-b${round + 1}-${name}`,
            labels: { policy: name, load: `@${utilisation}`, round: `round ${round + 1}/${b.rounds}` },
            replicas: cap.replicas,
            location: config.locations[0]!,
            capacityBound: cap.bound,
            cpuDemand: cap.demand,
            deployment: { ...shape, replicas: cap.replicas, balancer: balancerSpec(policy, { ...b.late, ...own }) },
            openLoad: { policy: name, utilisation, ratePerS, round },
          });
        }
      }
    }
  }
  if (config.locations.length > 1) warnings.push(`binding: measures from ${config.locations[0]} only (locations ${config.locations.slice(1).join(', ')} ignored)`);
  return { cells: planned, replicaCpu: cpu.replicaCpu, fittedToHost: cpu.fittedToHost, warnings };
}

function results(plan: Plan, trials: readonly TrialResult[], meta: { limitsEnforced: boolean; createdAt: string }): BindingResults {
  const b = plan.config.binding;
  const jct = trials.filter(isJctTrial);
  const bound = resultGroups(plan.cells).map((group) => bindingCell(group, jct, plan.replicaCpu));
  const comparisons = withLimits(compareShortJobs(jct, b.shortMaxUnits), bound);
  const shortUnits = shortClasses(sizeDistribution(b), b.shortMaxUnits).units;
  return BindingResults.parse({
    schemaVersion: SCHEMA_VERSION,
    study: 'binding',
    runId: plan.runId,
    createdAt: meta.createdAt,
    backend: plan.backend,
    cpuPerReplica: plan.replicaCpu,
    fittedToHost: plan.fittedToHost,
    limitsEnforced: meta.limitsEnforced,
    unitMs: b.unitMs,
    sizes: sizeDistribution(b),
    shortClasses: shortUnits,
    cells: bound,
    comparisons,
    observations: observe(bound.filter((c) => c.trials > 0), comparisons, {
      replicas: [...new Set(plan.cells.map((c) => c.replicas))],
      replicaCpu: plan.replicaCpu,
      requestedCpu: plan.config.replica.cpu,
      fittedToHost: plan.fittedToHost,
      limitsEnforced: meta.limitsEnforced,
      shortUnits,
    }),
  });
}

export const bindingStudy: Study = {
  name: 'binding',
  title: 'job completion time by balancer policy (early vs late binding) under open load',
  question: 'jct',
  defaultConfig: 'experiments/configs/binding.json',
  cells,
  // the arrivals, the last answers' drain (a long job behind a queue) and the worker's hand-over
  estimateTrialS: (config) => config.binding.warmupS + config.binding.durationS + 5,
  analyse(plan, trials, meta) {
    const r = results(plan, trials, meta);
    return {
      'experiment_results.json': `${JSON.stringify(r, null, 2)}\n`,
      'experiment_summary.csv': bindingCsv(r.cells.filter((c) => c.trials > 0)),
    };
  },
  summarize(plan, trials) {
    const r = results(plan, trials, { limitsEnforced: true, createdAt: '' });
    const late = r.comparisons.filter((c) => c.policy === 'late-binding');
    if (late.length === 0) return `binding: ${trials.filter((t) => isJctTrial(t) && t.valid).length} valid trials, no late-binding vs round-robin comparison`;
    return late
      .map((c) => `short-job p95 JCT at load ${c.load}: late-binding ${c.policyP95Ms.toFixed(1)} ms vs round-robin ${c.baselineP95Ms.toFixed(1)} ms (${c.verdict}${c.limitedBy ? `; limited by ${c.limitedBy}` : ''})`)
      .join('; ');
  },
  modelFiles,
  planLines(plan) {
    const b = plan.config.binding;
    const c = plan.config;
    const sizes = sizeDistribution(b);
    const name = (cell: Plan['cells'][number]) => `${cell.replicas}×${cell.location} ${cell.openLoad?.policy ?? cell.deployment.balancer.policy} @${cell.openLoad?.utilisation} round ${(cell.openLoad?.round ?? 0) + 1}`;
    const width = Math.max(4, ...plan.cells.map((cell) => name(cell).length));
    return [
      `open load: Poisson arrivals, ${b.warmupS} s warm-up + ${b.durationS} s counted per trial; ${b.rounds} round(s), each running every policy on the same requests; timeout ${plan.config.failure.timeoutMs} ms, seed ${b.seed}`,
      `sizes ${typeof b.sizes === 'string' ? b.sizes : 'custom'}: ${sizes.units.map((u, i) => `${u}×${(sizes.probabilities[i]! * 100).toFixed(1)}%`).join(' ')} (mean ${meanUnits(sizes).toFixed(1)} units); 1 unit = ${b.unitMs} ms of one replica's CPU`,
      `late policies: ${b.late.replicaConcurrency} request(s) per replica, queue bound ${b.late.queueBound}, wait timeout ${b.late.waitTimeoutMs} ms; replicas queue up to ${b.replicaQueue}`,
      `replica ${plan.replicaCpu} CPU${plan.fittedToHost ? ` (fitted from ${c.replica.cpu})` : ''} / ${c.replica.memoryMi} MiB; load generator ${c.loadGenerator.cpu} CPU; host ${plan.hostCores} cores`,
      '',
      `${'cell'.padEnd(width)}  CPU demand   capacity   arrivals`,
      ...plan.cells.map((cell) => `${name(cell).padEnd(width)}  ${cell.cpuDemand.toFixed(2).padStart(10)}   ${cell.capacityBound ? 'OVER HOST CORES' : 'fits    '}   ${cell.openLoad?.ratePerS.toFixed(1) ?? '-'}/s`),
    ];
  },
};
