/**
 * One max-users trial: find max users for one cell with the configured
 * strategy over the backend's load executor, then judge whether the answer
 * is the service's (valid) or the load generator's / an unconfirmed one
 * (invalid).
 */
import type { LogFn } from '../../lib/log.js';
import type { Step } from '../contracts/domain.js';
import type { Backend, LoadExecutor, LocationEndpoint } from '../deploy/backend.js';
import type { StudyConfig } from '../plan/config.js';
import type { Plan, PlannedTrial } from '../plan/plan.js';
import { isMaxUsersTrial, SCHEMA_VERSION, type MaxUsersTrial, type TrialResult } from '../record/schema.js';
import { MAX_USERS_STRATEGIES } from '../search/index.js';
import { jobProbe, type JobBase } from '../search/job-probe.js';
import { objectiveMaxUsers } from '../search/objective.js';
import type { SearchOutcome } from '../search/types.js';
import { startHint } from './cell-trials.js';
import { readCounters, replicaUsage, type CounterRead } from './replica-usage.js';
import { runSaturationPhase } from './saturation-phase.js';

export interface TrialContext {
  plan: Plan;
  backend: Backend;
  executor: LoadExecutor;
  endpoint: LocationEndpoint;
  imagesDir: string;
  signal: AbortSignal;
  log: LogFn;
  /** every trial recorded so far (where the search starts, whether the cell still needs its saturation phase) */
  recorded: readonly TrialResult[];
  /** seconds the cell's deploy took (replace, start, ready), given to the first trial after it only */
  deployS?: number;
}

/** Pure: why a finished search cannot be reported as the service's limit, or null. */
export function invalidReason(outcome: SearchOutcome, loadGen: { cpu: number; bottleneckShare: number }, resolution: number): string | null {
  const limit = loadGen.cpu * loadGen.bottleneckShare;
  const hot = outcome.steps.find((s) => s.loadGenCpu > limit);
  if (hot) {
    return `load generator used ${hot.loadGenCpu.toFixed(2)} cores at ${hot.users} users (limit ${limit.toFixed(2)}): it, not the service, may have been the bottleneck`;
  }
  if (!outcome.confirmed && outcome.maxUsers > 0) return `no confirming hold at ${outcome.maxUsers} users reached 100 % success in steady state`;
  // each trial is its own measurement: a pass at its answer and a failure just above it
  const step = Math.max(1, Math.floor(outcome.maxUsers * resolution));
  const failedAbove = outcome.steps.some((s) => !s.passed && s.users > outcome.maxUsers && s.users <= outcome.maxUsers + step);
  if (outcome.decidedBy !== 'upper-bound' && outcome.maxUsers > 0 && !failedAbove) return `no failing level within ${step} user(s) above ${outcome.maxUsers}`;
  return null;
}

const median = (xs: number[]): number | null => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? null : (s[Math.floor((s.length - 1) / 2)]! + s[Math.ceil((s.length - 1) / 2)]!) / 2;
};

/** How long a judged hold may run: the configured cap, but never less than the timeout plus two windows, so a queue that grows towards the timeout is seen. */
export function holdCapS(config: StudyConfig): number {
  return Math.max(config.search.maxHoldS, config.failure.timeoutMs / 1000 + 2 * config.search.windowS);
}

export async function runMaxUsersTrial(planned: PlannedTrial, attempt: number, ctx: TrialContext): Promise<MaxUsersTrial> {
  const { config } = ctx.plan;
  const startedAt = new Date().toISOString();
  const cell = ctx.plan.cells.find((c) => c.id === planned.cell);
  if (!cell) throw new Error(`trial ${planned.id}: no cell ${planned.cell} in the plan`);
  const seed = planned.replicas * 1_000_000 + planned.trial * 1000 + attempt * 100;
  const saturate = !ctx.recorded.some((t) => t.cell === cell.id && isMaxUsersTrial(t) && t.saturation !== undefined);
  const saturation = saturate && config.saturation.enabled
    ? await runSaturationPhase({ config, cell, backend: ctx.backend, executor: ctx.executor, url: ctx.endpoint.url, imagesDir: ctx.imagesDir, seed, signal: ctx.signal })
    : undefined;
  if (saturation) ctx.log('saturation', { trial: planned.id, levels: saturation.levels.map((l) => ({ c: l.concurrency, x: Number(l.throughput.toFixed(2)), p50: l.latencyMs.p50 })), cpuPerRequestS: saturation.cpuPerRequestS });
  const rtts: number[] = saturation?.rttMs !== undefined ? [saturation.rttMs] : [];
  let before: CounterRead = { replicas: [], host: null };
  let jobStarted = 0;
  const base = {
    task: config.task,
    url: ctx.endpoint.url,
    imagesDir: ctx.imagesDir,
    thinkS: config.thinkS,
    timeoutMs: config.failure.timeoutMs,
    maxHoldS: holdCapS(config),
    minRequests: config.search.minRequests,
    windowS: config.search.windowS,
    stableTolerance: config.search.stableTolerance,
    steadyRule: { trendTolerance: config.search.trendTolerance },
  };
  const probeOf = (extra: Partial<JobBase>, seedOffset: number) =>
    jobProbe({
      executor: ctx.executor,
      base: { ...base, ...extra },
      holdS: config.search.holdS,
      rampStepS: config.ramp.stepS,
      seed: seed + seedOffset,
      signal: ctx.signal,
      onJob: async (job) => {
        ctx.log('job.start', { trial: planned.id, levels: job.levels.length > 3 ? `${job.levels[0]}..${job.levels.at(-1)}` : job.levels });
        before = await readCounters(ctx.backend);
        jobStarted = performance.now();
      },
      onResult: async (result) => {
        if (result.rttMs !== undefined) rtts.push(result.rttMs);
        // one held level per job: the replicas' counters over the job are that level's
        const usage = result.steps.length === 1 ? replicaUsage(before, await readCounters(ctx.backend), (performance.now() - jobStarted) / 1000) : undefined;
        for (const s of result.steps) {
          if (usage) s.replicaUsage = usage;
          ctx.log('level', levelSummary(planned.id, s));
        }
      },
    });
  const settings = {
    startUsers: startHint(config, cell, ctx.recorded),
    upperBound: config.search.upperBound,
    resolution: config.search.resolution,
    confirmRetries: config.search.confirmRetries,
  };
  const outcome = await MAX_USERS_STRATEGIES[config.strategy](probeOf({}, 0), settings);
  const objective = await objectiveMaxUsers(outcome.steps, config.failure.p95ObjectiveMs, probeOf({ p95ObjectiveMs: config.failure.p95ObjectiveMs }, 500), config.search.resolution, outcome.maxUsers);
  const steps = [...outcome.steps, ...objective.extra];
  const reason = invalidReason(outcome, config.loadGenerator, config.search.resolution);
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
    capacityBound: cell.capacityBound,
    limitsEnforced: ctx.backend.limitsEnforced,
    network: networkPath(ctx.endpoint, rtts),
    steps,
    confirmStep: outcome.confirmStep,
    ...(saturation ? { saturation } : {}),
    objective: { p95ObjectiveMs: config.failure.p95ObjectiveMs, maxUsers: objective.maxUsers, confirmStep: objective.confirmIndex, extraHolds: objective.extra.length },
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
    steady: s.steady ? { verdict: s.steady.verdict, little: Number(s.steady.littleRatio.toFixed(3)), trend: Number(s.steady.latencyTrend.toFixed(3)) } : null,
    loadGenCpu: Number(s.loadGenCpu.toFixed(2)),
    durationS: Number(s.durationS.toFixed(1)),
  };
}
