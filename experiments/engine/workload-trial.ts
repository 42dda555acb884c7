/**
 * One workload trial: the cell's single replica, warmed up, under a fixed
 * workload at concurrency 1 and at saturation (autocannon, each level
 * bounded by a request count and a time cap), with its cgroup counters read
 * before and after. Whatever the configuration does (serves, is OOM-killed,
 * never becomes ready) is recorded as this trial; only a broken tool throws.
 */
import { DeployFailed } from '../deploy/backend.js';
import type { SaturationJob } from '../load/protocol/schema.js';
import type { Plan, PlannedCell, PlannedTrial } from '../plan/plan.js';
import { SCHEMA_VERSION, type WorkloadTrial } from '../record/schema.js';
import { networkPath, type TrialContext } from './max-users-trial.js';
import { readCounters, replicaUsage } from './replica-usage.js';
import { countersBetween, deployFailureVerdict, workloadVerdict, type Verdict } from './workload-verdict.js';
import type { DeployFailureContext } from './questions.js';

function cellOf(plan: Plan, id: string): PlannedCell {
  const cell = plan.cells.find((c) => c.id === id);
  if (!cell) throw new Error(`trial of unknown cell ${id}`);
  return cell;
}

type Fields = Omit<WorkloadTrial, 'schemaVersion' | 'id' | 'cell' | 'question' | 'task' | 'replicas' | 'location' | 'trial' | 'startedAt' | 'endedAt' | 'capacityBound' | 'limitsEnforced'>;

function trial(planned: PlannedTrial, cell: PlannedCell, startedAt: string, limitsEnforced: boolean, fields: Fields, attempt = 0): WorkloadTrial {
  return {
    schemaVersion: SCHEMA_VERSION,
    id: fields.valid ? planned.id : `${planned.id}-invalid${attempt}`,
    cell: planned.cell,
    question: 'workload',
    task: cell.deployment.task,
    replicas: planned.replicas,
    location: planned.location,
    trial: planned.trial,
    startedAt,
    endedAt: new Date().toISOString(),
    capacityBound: cell.capacityBound,
    limitsEnforced,
    ...fields,
  };
}

const verdictFields = (v: Verdict) => ({ status: v.status, ...(v.error ? { error: v.error } : {}), ...(v.endsCell ? { endsCell: v.endsCell } : {}) });

/** A cell whose deployment never became ready, as its trial: nothing was measured but the failure. */
export async function recordDeployFailure(planned: PlannedTrial, error: DeployFailed, ctx: DeployFailureContext): Promise<WorkloadTrial> {
  const cell = cellOf(ctx.plan, planned.cell);
  const verdict = deployFailureVerdict(error.message, error.replicaStats, cell.deployment.memoryMi);
  ctx.log('workload.deploy-failed', { cell: cell.id, status: verdict.status, error: verdict.error, seconds: ctx.seconds });
  return trial(planned, cell, ctx.startedAt, ctx.backend.limitsEnforced, {
    ...verdictFields(verdict),
    valid: true,
    startupS: null,
    workloadS: 0,
    levels: [],
    ...countersBetween([], error.replicaStats),
    loadGenCpu: 0,
    network: { rttMs: null, bandwidthMbit: null, description: 'not measured (the deployment never became ready)' },
    replicaStats: error.replicaStats,
  });
}

export async function runWorkloadTrial(planned: PlannedTrial, attempt: number, ctx: TrialContext): Promise<WorkloadTrial> {
  const { config } = ctx.plan;
  const cell = cellOf(ctx.plan, planned.cell);
  const w = config.resources.workload;
  const startedAt = new Date().toISOString();
  if (ctx.deployS === undefined) {
    // Later trials of the cell: the same shape, so nothing is replaced; a replica that died since is waited for.
    try {
      await ctx.backend.deploy(cell.deployment, ctx.signal);
    } catch (err) {
      if (!(err instanceof DeployFailed) || ctx.signal.aborted) throw err;
      return recordDeployFailure(planned, err, { plan: ctx.plan, backend: ctx.backend, log: ctx.log, startedAt, seconds: 0 });
    }
  }
  const job: SaturationJob = {
    kind: 'saturation',
    task: cell.deployment.task,
    url: ctx.endpoint.url,
    imagesDir: ctx.imagesDir,
    timeoutMs: config.failure.timeoutMs,
    seed: planned.trial * 1000 + attempt * 100,
    concurrencies: [1, w.saturationConcurrency],
    durationS: w.durationS,
    warmupS: w.warmupS,
    maxRequests: w.maxRequests,
  };
  const before = await readCounters(ctx.backend);
  const started = performance.now();
  ctx.log('job.start', { trial: planned.id, concurrencies: job.concurrencies, durationS: job.durationS, maxRequests: job.maxRequests });
  const result = await ctx.executor.run(job, ctx.signal);
  const workloadS = (performance.now() - started) / 1000;
  const after = await readCounters(ctx.backend);
  const usage = replicaUsage(before, after, workloadS);
  const counters = countersBetween(before.replicas, after.replicas);
  const limit = config.loadGenerator.cpu * config.loadGenerator.bottleneckShare;
  const invalidReason = result.aborted
    ? 'the workload was cut short'
    : result.loadGenCpu > limit
      ? `load generator used ${result.loadGenCpu.toFixed(2)} cores (limit ${limit.toFixed(2)}): it, not the replica, may have been the bottleneck`
      : null;
  for (const l of result.levels) ctx.log('level', { trial: planned.id, concurrency: l.concurrency, requests: l.requests, successes: l.successes, throughput: Number(l.throughput.toFixed(2)), p95Ms: l.latencyMs.p95 });
  return trial(planned, cell, startedAt, ctx.backend.limitsEnforced, {
    ...verdictFields(workloadVerdict(counters, result.levels, cell.deployment.memoryMi)),
    valid: invalidReason === null,
    ...(invalidReason ? { invalidReason } : {}),
    startupS: ctx.deployS ?? null,
    workloadS,
    levels: result.levels,
    ...(usage ? { usage } : {}),
    ...counters,
    loadGenCpu: result.loadGenCpu,
    network: networkPath(ctx.endpoint, result.rttMs !== undefined ? [result.rttMs] : []),
    replicaStats: [...after.replicas],
  }, attempt);
}
