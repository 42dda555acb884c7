/**
 * One max-users trial: find max users for one cell with the configured
 * strategy over the backend's load executor, then judge whether the answer
 * is the service's (valid) or the load generator's / an unconfirmed one
 * (invalid).
 */
import type { Backend, LoadExecutor, LocationEndpoint } from '../deploy/backend.js';
import type { Plan, PlannedTrial } from '../plan/plan.js';
import type { TrialResult } from '../record/schema.js';
import type { Step } from '../contracts/domain.js';
import { SCHEMA_VERSION } from '../record/schema.js';
import { MAX_USERS_STRATEGIES } from '../search/index.js';
import { jobProbe } from '../search/job-probe.js';
import type { SearchOutcome } from '../search/types.js';
import type { LogFn } from '../../lib/log.js';

export interface TrialContext {
  plan: Plan;
  backend: Backend;
  executor: LoadExecutor;
  endpoint: LocationEndpoint;
  imagesDir: string;
  signal: AbortSignal;
  log: LogFn;
  /** where `search` starts bracketing (see startHint) @default config.search.startUsers */
  startUsers?: number;
}

/** Pure: why a finished search cannot be reported as the service's limit, or null. */
export function invalidReason(outcome: SearchOutcome, loadGen: { cpu: number; bottleneckShare: number }): string | null {
  const limit = loadGen.cpu * loadGen.bottleneckShare;
  const hot = outcome.steps.find((s) => s.loadGenCpu > limit);
  if (hot) {
    return `load generator used ${hot.loadGenCpu.toFixed(2)} cores at ${hot.users} users (limit ${limit.toFixed(2)}): it, not the service, may have been the bottleneck`;
  }
  if (!outcome.confirmed && outcome.maxUsers > 0) return `no confirming hold at ${outcome.maxUsers} users reached 100 % success`;
  return null;
}

const median = (xs: number[]): number | null => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? null : (s[Math.floor((s.length - 1) / 2)]! + s[Math.ceil((s.length - 1) / 2)]!) / 2;
};

export async function runMaxUsersTrial(planned: PlannedTrial, attempt: number, ctx: TrialContext): Promise<TrialResult> {
  const { config } = ctx.plan;
  const startedAt = new Date().toISOString();
  const rtts: number[] = [];
  const probe = jobProbe({
    executor: ctx.executor,
    base: {
      task: config.task,
      url: ctx.endpoint.url,
      imagesDir: ctx.imagesDir,
      thinkS: config.thinkS,
      timeoutMs: config.failure.timeoutMs,
      ...(config.failure.p95ObjectiveMs !== undefined ? { p95ObjectiveMs: config.failure.p95ObjectiveMs } : {}),
      maxHoldS: config.search.maxHoldS,
      minRequests: config.search.minRequests,
      windowS: config.search.windowS,
      stableTolerance: config.search.stableTolerance,
    },
    holdS: config.search.holdS,
    rampStepS: config.ramp.stepS,
    seed: planned.replicas * 1_000_000 + planned.trial * 1000 + attempt * 100,
    signal: ctx.signal,
    onJob: (job) => {
      ctx.log('job.start', { trial: planned.id, levels: job.levels.length > 3 ? `${job.levels[0]}..${job.levels.at(-1)}` : job.levels });
    },
    onResult: (result) => {
      if (result.rttMs !== undefined) rtts.push(result.rttMs);
      for (const s of result.steps) ctx.log('level', levelSummary(planned.id, s));
    },
  });
  const outcome = await MAX_USERS_STRATEGIES[config.strategy](probe, {
    startUsers: ctx.startUsers ?? config.search.startUsers,
    upperBound: config.search.upperBound,
    resolution: config.search.resolution,
    confirmRetries: config.search.confirmRetries,
  });
  const reason = invalidReason(outcome, config.loadGenerator);
  const cell = ctx.plan.cells.find((c) => c.id === planned.cell);
  return {
    schemaVersion: SCHEMA_VERSION,
    id: reason ? `${planned.id}-invalid${attempt}` : planned.id,
    cell: planned.cell,
    question: 'max-users',
    task: config.task,
    replicas: planned.replicas,
    location: planned.location,
    trial: planned.trial,
    strategy: config.strategy,
    startedAt,
    endedAt: new Date().toISOString(),
    maxUsers: outcome.maxUsers,
    decidedBy: outcome.decidedBy,
    valid: reason === null,
    ...(reason ? { invalidReason: reason } : {}),
    capacityBound: cell?.capacityBound ?? false,
    limitsEnforced: ctx.backend.limitsEnforced,
    network: networkPath(ctx.endpoint, rtts),
    steps: outcome.steps,
    confirmStep: outcome.confirmStep,
    replicaStats: await ctx.backend.replicaStats(),
  };
}

/**
 * The path as measured: the backend's own probe of it when it has one (a pure
 * network round trip), else the worker's tiny requests (which include the
 * server's cheapest answer); measured bandwidth over configured.
 */
export function networkPath(endpoint: LocationEndpoint, workerRtts: number[]): TrialResult['network'] {
  return {
    rttMs: endpoint.measured?.rttMs ?? median(workerRtts),
    bandwidthMbit: endpoint.measured?.bandwidthMbit ?? endpoint.bandwidthMbit,
    description: endpoint.description,
  };
}

/** What the log keeps of one level: enough to follow a search without opening the trial file. */
export function levelSummary(trial: string, s: Step): Record<string, unknown> {
  return {
    trial,
    users: s.users,
    requests: s.requests,
    failures: s.requests - s.successes,
    p95Ms: s.latencyMs.p95,
    qps: Number(s.qps.avg.toFixed(2)),
    passed: s.passed,
    stable: s.stable,
    loadGenCpu: Number(s.loadGenCpu.toFixed(2)),
    durationS: Number(s.durationS.toFixed(1)),
  };
}
