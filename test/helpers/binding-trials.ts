/**
 * Binding-study trials whose numbers are known, for the analysis and report
 * tests: the quick plan, requests with given waits and work, and a trial of
 * one policy built around them.
 */
import type { OpenRequest } from '../../experiments/contracts/open-load.js';
import { sizeDistribution } from '../../experiments/plan/binding-config.js';
import { loadConfig } from '../../experiments/plan/config.js';
import { buildPlan, type Plan } from '../../experiments/plan/plan.js';
import { SCHEMA_VERSION, type JctTrial } from '../../experiments/record/schema.js';
import { fromRepoRoot } from '../../lib/repo-root.js';

export const ctx = { runId: 'b', backend: 'fake', machineCores: 2, fitHost: true, profile: 'quick', now: new Date(0) };
export const quickPlan = async (): Promise<Plan> => buildPlan(await loadConfig(fromRepoRoot('experiments/configs/binding.json'), 'quick'), ctx);

/** A counted request: `units` of work taking `workMs`, waiting `queueMs`, sent at `sendMs`. */
export const req = (units: number, queueMs: number, workMs: number, sendMs: number, over: Partial<OpenRequest> = {}): OpenRequest => ({
  units, sendMs, lagMs: 0, endMs: sendMs + queueMs + workMs + 1, status: 200, replica: `r${units % 2}`, lbQueueMs: queueMs, queueMs: 0, workMs, warmup: false, ...over,
});

export function trialOf(plan: Plan, policy: string, requests: OpenRequest[], over: Partial<JctTrial> = {}): JctTrial {
  const cell = plan.cells.find((c) => c.openLoad!.policy === policy)!;
  const stats = (cpu: number) => ['r0', 'r1'].map((name) => ({ name, ready: true, restarts: 0, oomKilled: 0, cpuSeconds: cpu, cpuThrottledSeconds: 0 }));
  return {
    schemaVersion: SCHEMA_VERSION, id: `${cell.id}-t0`, cell: cell.id, question: 'jct', task: 'detection', replicas: cell.replicas, location: 'cluster', trial: 0,
    startedAt: '', endedAt: '', valid: true, capacityBound: false, limitsEnforced: true, network: { rttMs: 0.1, bandwidthMbit: null, description: 'test' },
    replicaStats: stats(10 + 0.375 * 60 * 0.5), replicaStatsBefore: stats(10),
    policy, round: 0, balancer: cell.deployment.balancer, utilisation: 0.7, ratePerS: cell.openLoad!.ratePerS, unitMs: plan.config.binding.unitMs,
    sizes: sizeDistribution(plan.config.binding), durationS: 60, warmupS: 5, timeoutMs: 30_000,
    load: { durationS: 60, loadGenCpu: 0.02 }, requests, host: { busyCores: 1.2, cores: 2, loadAvg1: 1 }, ...over,
  };
}

/** `n` short jobs (1 unit) that wait `wait` ms, and long ones around them. */
export const load = (n: number, wait: (i: number) => number) => [
  ...Array.from({ length: n }, (_, i) => req(1, wait(i), 0.05, i * 10)),
  ...Array.from({ length: 50 }, (_, i) => req(7500, 10, 240, i * 10 + 5)),
];

