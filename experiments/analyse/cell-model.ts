/**
 * The capacity model of one cell, with its inputs taken from measurement
 * (capacity-model.ts says how it is built and what its criterion is). Pure.
 *
 * Inputs, and where they come from:
 * - CPU per request: the replicas' cgroup CPU over the held levels of the
 *   cell's valid trials (median of the levels with ≥ 20 requests), else the
 *   saturation phase's, else the quota over the saturation throughput;
 * - unloaded latency: the saturation phase at one connection;
 * - request bytes and the path's bandwidth: the worker's counts and the
 *   path's measured (or configured) bandwidth;
 * - the cores the replicas share: on the local backend, the host's cores
 *   less what the load generator used; elsewhere each replica has its own.
 */
import type { PlannedCell, Plan } from '../plan/plan.js';
import { sharesThisHost } from '../plan/capacity.js';
import type { MaxUsersTrial } from '../record/schema.js';
import { capacityModel, type ModelAnswer, type ModelInput } from './capacity-model.js';

/** Requests a replica admits: one per inference thread (the quota, at least one) plus the service's queue. */
export function admissionBound(replicaCpu: number, queueLength: number): number {
  return Math.max(1, Math.floor(replicaCpu)) + queueLength;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? undefined : s[Math.floor((s.length - 1) / 2)];
};

export function modelInputs(plan: Plan, cell: PlannedCell, trials: readonly MaxUsersTrial[]): ModelInput | null {
  const valid = trials.filter((t) => t.valid);
  const saturation = trials.find((t) => t.saturation)?.saturation;
  const held = valid.flatMap((t) => t.steps).filter((s) => s.steady && s.replicaUsage && s.requests >= 20);
  const perRequest = median(held.map((s) => s.replicaUsage!.cpuSeconds / s.requests));
  const xSat = Math.max(0, ...(saturation?.levels ?? []).map((l) => l.throughput));
  const cpuPerRequestS = perRequest ?? saturation?.cpuPerRequestS ?? (xSat > 0 ? (cell.replicas * cell.deployment.cpu) / xSat : undefined);
  const one = saturation?.levels.find((l) => l.concurrency === 1);
  if (cpuPerRequestS === undefined || cpuPerRequestS === null || !one || one.successes === 0) return null;
  const confirm = valid.map((t) => t.steps[t.confirmStep]).find((s) => s !== undefined && s.qps.avg > 0);
  const requestBytes = confirm ? confirm.bytesPerS / confirm.qps.avg : one.throughput > 0 ? one.bytesPerS / one.throughput : 0;
  const generator = Math.max(saturation?.loadGenCpu ?? 0, ...valid.map((t) => t.steps[t.confirmStep]?.loadGenCpu ?? 0));
  return {
    replicas: cell.replicas,
    replicaCpu: cell.deployment.cpu,
    sharedCores: sharesThisHost(plan.backend) ? Math.max(0.1, plan.hostCores - generator) : null,
    cpuPerRequestS,
    unloadedLatencyS: one.latencyMs.mean / 1000,
    thinkS: (plan.config.thinkS[0] + plan.config.thinkS[1]) / 2,
    thinkRangeS: plan.config.thinkS[1] - plan.config.thinkS[0],
    admissionBound: admissionBound(cell.deployment.cpu, plan.config.replica.queueLength),
    timeoutS: plan.config.failure.timeoutMs / 1000,
    requestBytes,
    bandwidthMbit: valid[0]?.network.bandwidthMbit ?? trials[0]?.network.bandwidthMbit ?? null,
  };
}

export function cellModel(plan: Plan, cell: PlannedCell, trials: readonly MaxUsersTrial[]): { input: ModelInput; answer: ModelAnswer } | null {
  const input = modelInputs(plan, cell, trials);
  if (!input) return null;
  return { input, answer: capacityModel(input, plan.config.search.upperBound) };
}
