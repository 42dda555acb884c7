/**
 * --dry-run's forecast: the capacity model's max users for every planned
 * cell, from the service demand an earlier run of the same task and model
 * measured (its cells' CPU per request and unloaded latency). Without such
 * a run it says so: the model is never fed a guess.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { capacityModel } from '../analyse/capacity-model.js';
import { admissionBound } from '../analyse/cell-model.js';
import type { Plan } from '../plan/plan.js';
import { sharesThisHost } from '../plan/capacity.js';
import { Plan as PlanSchema } from '../plan/plan.js';
import { Results } from '../record/schema.js';

export interface Demand {
  runId: string;
  cpuPerRequestS: number;
  /** the cores the replicas shared, as that run measured them (local backend), or null */
  sharedCores: number | null;
  /** per location: the unloaded latency and the path's bandwidth */
  paths: Partial<Record<'cluster' | 'remote', { unloadedLatencyS: number; bandwidthMbit: number | null; requestBytes: number }>>;
}

/** The newest run under `resultsDir` that measured the plan's task and model, or null. */
export function earlierDemand(resultsDir: string, plan: Plan): Demand | null {
  const dirs = (() => {
    try {
      return readdirSync(resultsDir).sort().reverse();
    } catch {
      return [];
    }
  })();
  const model = plan.cells[0]?.deployment.modelPath;
  for (const name of dirs) {
    try {
      const earlier = PlanSchema.parse(JSON.parse(readFileSync(join(resultsDir, name, 'plan.json'), 'utf8')));
      if (earlier.task !== plan.task || earlier.cells[0]?.deployment.modelPath !== model) continue;
      const results = Results.parse(JSON.parse(readFileSync(join(resultsDir, name, 'experiment_results.json'), 'utf8')));
      const measured = results.cells.filter((c) => c.model !== null);
      if (measured.length === 0) continue;
      // the smallest cell of each location: its replicas had the host to themselves
      const smallest = [...measured].sort((a, b) => a.replicas - b.replicas);
      const paths: Demand['paths'] = {};
      for (const c of smallest) paths[c.location] ??= { unloadedLatencyS: c.model!.unloadedLatencyMs / 1000, bandwidthMbit: c.model!.bandwidthMbit, requestBytes: c.model!.requestBytes };
      return { runId: results.runId, cpuPerRequestS: smallest[0]!.model!.cpuPerRequestS, sharedCores: smallest[0]!.model!.sharedCores, paths };
    } catch {
      // not a finished run of this kind
    }
  }
  return null;
}

/** One line per cell: the model's max users with the earlier demand, or why there is no forecast. Pure. */
export function forecastLines(plan: Plan, demand: Demand | null): string[] {
  if (!demand) return ['model forecast: none (no earlier run of this task and model measured its CPU per request; the run itself will)'];
  const c = plan.config;
  const lines = plan.cells.map((cell) => {
    const path = demand.paths[cell.location];
    if (!path) return `  ${cell.id}: no earlier measurement of this location`;
    const answer = capacityModel({
      replicas: cell.replicas,
      replicaCpu: cell.deployment.cpu,
      sharedCores: sharesThisHost(plan.backend) ? demand.sharedCores : null,
      cpuPerRequestS: demand.cpuPerRequestS,
      unloadedLatencyS: path.unloadedLatencyS,
      thinkS: (c.thinkS[0] + c.thinkS[1]) / 2,
      thinkRangeS: c.thinkS[1] - c.thinkS[0],
      admissionBound: admissionBound(cell.deployment.cpu, c.replica.queueLength),
      timeoutS: c.failure.timeoutMs / 1000,
      requestBytes: path.requestBytes,
      bandwidthMbit: path.bandwidthMbit,
    }, c.search.upperBound);
    return `  ${cell.id}: ${answer.maxUsers ?? `> ${c.search.upperBound}`} users (bottleneck ${answer.bottleneck}, X max ${answer.xMax.toFixed(1)} req/s)`;
  });
  return [`model forecast (demand measured by run ${demand.runId}: ${(demand.cpuPerRequestS * 1000).toFixed(1)} ms of replica CPU per request):`, ...lines];
}
