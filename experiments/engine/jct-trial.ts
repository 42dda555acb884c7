/**
 * One `jct` trial: an open (Poisson) load at the cell's arrival rate on the
 * cell's balancer policy, every request recorded, the replicas' counters
 * read before and after. The trial is invalid when the load generator, not
 * the policy, shaped the numbers (it fell behind its schedule or ran out of
 * CPU) or a replica restarted mid-load.
 */
import type { ReplicaStats } from '../contracts/domain.js';
import type { OpenLoadJob, OpenLoadResult } from '../load/protocol/schema.js';
import { sizeDistribution } from '../plan/binding-config.js';
import type { Plan, PlannedCell, PlannedTrial } from '../plan/plan.js';
import { SCHEMA_VERSION, type JctTrial } from '../record/schema.js';
import { AbortedError } from '../search/job-probe.js';
import { counted, p95Jct, tail } from '../analyse/jct.js';
import { hostUse, sampleCpu } from './host-cpu.js';
import { networkPath, type TrialContext } from './max-users-trial.js';

/**
 * The cell's open job. The seed depends on the round and the trial only, so
 * every policy and load of a round gets the same requests in the same order
 * (a retry of an invalid trial too), and every round other ones.
 */
export function openJobFor(plan: Plan, cell: PlannedCell, trial: number, url: string): OpenLoadJob {
  const b = plan.config.binding;
  if (!cell.openLoad) throw new Error(`cell ${cell.id} has no open load to run`);
  const expected = cell.openLoad.ratePerS * (b.warmupS + b.durationS);
  return {
    kind: 'open',
    url,
    timeoutMs: plan.config.failure.timeoutMs,
    seed: b.seed + cell.openLoad.round * 1_000_000 + trial * 1000,
    ratePerS: cell.openLoad.ratePerS,
    durationS: b.durationS,
    warmupS: b.warmupS,
    sizes: sizeDistribution(b),
    // a Poisson count exceeds twice its mean (plus slack for small ones) with negligible probability
    maxRequests: Math.min(1_000_000, Math.ceil(2 * expected + 100)),
  };
}

/** Pure: why this trial's numbers are not the policy's, or null. */
export function jctInvalidReason(
  result: Pick<OpenLoadResult, 'requests' | 'loadGenCpu'>,
  limits: { maxSendLagMs: number; loadGenCpu: number; bottleneckShare: number },
  before: readonly ReplicaStats[],
  after: readonly ReplicaStats[],
): string | null {
  const mine = counted(result.requests);
  if (mine.length === 0) return 'no request was sent after the warm-up';
  const lag = tail(mine.map((r) => r.lagMs)).p99;
  if (lag > limits.maxSendLagMs) return `the load generator sent its 99th-percentile request ${lag.toFixed(1)} ms late (limit ${limits.maxSendLagMs} ms): it, not the policy, shaped the arrivals`;
  const cpuLimit = limits.loadGenCpu * limits.bottleneckShare;
  if (result.loadGenCpu > cpuLimit) return `load generator used ${result.loadGenCpu.toFixed(2)} cores (limit ${cpuLimit.toFixed(2)})`;
  const restarted = after.filter((a) => a.restarts > (before.find((b) => b.name === a.name)?.restarts ?? a.restarts));
  if (restarted.length > 0) return `replica ${restarted.map((r) => r.name).join(', ')} restarted during the load`;
  return null;
}

export const jctValue = (t: JctTrial): number => p95Jct(t.requests);

export async function runJctTrial(planned: PlannedTrial, attempt: number, ctx: TrialContext): Promise<JctTrial> {
  const { plan } = ctx;
  const cell = plan.cells.find((c) => c.id === planned.cell);
  if (!cell?.openLoad) throw new Error(`cell ${planned.cell} is not an open-load cell`);
  const job = openJobFor(plan, cell, planned.trial, ctx.endpoint.url);
  const startedAt = new Date().toISOString();
  const before = await ctx.backend.replicaStats();
  const cpuBefore = sampleCpu();
  ctx.log('job.start', { trial: planned.id, kind: 'open', ratePerS: job.ratePerS, durationS: job.durationS, warmupS: job.warmupS, policy: cell.deployment.balancer.policy });
  const result = await ctx.executor.run(job, ctx.signal);
  if (result.aborted || ctx.signal.aborted) throw new AbortedError();
  const host = hostUse(cpuBefore, sampleCpu());
  const after = await ctx.backend.replicaStats();
  const b = plan.config.binding;
  const reason = jctInvalidReason(result, { maxSendLagMs: b.maxSendLagMs, loadGenCpu: plan.config.loadGenerator.cpu, bottleneckShare: plan.config.loadGenerator.bottleneckShare }, before, after);
  return {
    schemaVersion: SCHEMA_VERSION,
    id: reason ? `${planned.id}-invalid${attempt}` : planned.id,
    cell: planned.cell,
    question: 'jct',
    task: plan.config.task,
    replicas: planned.replicas,
    location: planned.location,
    trial: planned.trial,
    startedAt,
    endedAt: new Date().toISOString(),
    valid: reason === null,
    ...(reason ? { invalidReason: reason } : {}),
    capacityBound: cell.capacityBound,
    limitsEnforced: ctx.backend.limitsEnforced,
    network: networkPath(ctx.endpoint, result.rttMs !== undefined ? [result.rttMs] : []),
    replicaStats: after,
    policy: cell.openLoad.policy,
    round: cell.openLoad.round,
    balancer: cell.deployment.balancer,
    utilisation: cell.openLoad.utilisation,
    ratePerS: cell.openLoad.ratePerS,
    unitMs: b.unitMs,
    sizes: job.sizes,
    durationS: b.durationS,
    warmupS: b.warmupS,
    timeoutMs: job.timeoutMs,
    load: { durationS: result.durationS, loadGenCpu: result.loadGenCpu, ...(result.rttMs !== undefined ? { rttMs: result.rttMs } : {}) },
    requests: result.requests,
    replicaStatsBefore: before,
    host,
  };
}
