/**
 * Trial files → one Cell per replicas × location, and the Results file.
 * Pure. Only valid trials count; invalid ones are only counted. "At max
 * users" means the confirming holds (their steady parts): their histograms
 * are merged for the percentiles, their per-trial means give the
 * response-time spread. Beside each measurement: what limited the cell
 * (limits.ts), the second answer within the latency objective, the
 * saturation phase, and the capacity model's prediction (cell-model.ts).
 */
import type { Location, Step } from '../contracts/domain.js';
import { mergeHistograms, percentilesMs } from '../load/histogram.js';
import type { Plan, PlannedCell } from '../plan/plan.js';
import { SCHEMA_VERSION, type Cell, type MaxUsersTrial, type Results, type TrialResult } from '../record/schema.js';
import { capacityModel } from './capacity-model.js';
import { cellModel, modelInputs } from './cell-model.js';
import { limitOf } from './limits.js';
import { describe } from './stats.js';

function confirmOf(t: MaxUsersTrial): Step | undefined {
  return t.steps[t.confirmStep];
}

function sumInto(target: Record<string, number>, add: Record<string, number>): void {
  for (const [k, v] of Object.entries(add)) target[k] = (target[k] ?? 0) + v;
}

/** Six decimals everywhere, so the JSON and the CSV state the very same numbers. */
export function roundNumbers<T>(value: T): T {
  if (typeof value === 'number') return (Number.isFinite(value) ? Number(value.toFixed(6)) : value) as T;
  if (Array.isArray(value)) return value.map(roundNumbers) as T;
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, roundNumbers(v)])) as T;
  return value;
}

const mean = (xs: number[]) => (xs.length > 0 ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);

/** At most `points` points of a curve, the last one always kept. */
function thin<T>(curve: readonly T[], points: number): T[] {
  const every = Math.max(1, Math.ceil(curve.length / points));
  return curve.filter((_, i) => i % every === 0 || i === curve.length - 1);
}

const CURVE_POINTS = 60;

function saturationOf(trials: readonly MaxUsersTrial[]): Cell['saturation'] {
  const phase = trials.find((t) => t.saturation)?.saturation;
  if (!phase) return null;
  const levels = phase.levels.map((l) => ({ concurrency: l.concurrency, throughput: l.throughput, meanMs: l.latencyMs.mean, p95Ms: l.latencyMs.p95, requests: l.requests, errors: l.requests - l.successes + l.errors + l.timeouts }));
  return { xMax: Math.max(0, ...levels.map((l) => l.throughput)), cpuPerRequestS: phase.cpuPerRequestS ?? null, levels };
}

function modelOf(plan: Plan, cell: PlannedCell, trials: readonly MaxUsersTrial[]): Cell['model'] {
  const m = cellModel(plan, cell, trials);
  if (!m) return null;
  const { input, answer } = m;
  return {
    predictedMaxUsers: answer.maxUsers,
    predictedResponseMs: answer.responseMs,
    decidedBy: answer.decidedBy,
    xMax: Number.isFinite(answer.xMax) ? answer.xMax : null,
    bottleneck: answer.bottleneck,
    cpuPerRequestS: input.cpuPerRequestS,
    unloadedLatencyMs: input.unloadedLatencyS * 1000,
    admissionBound: input.admissionBound,
    sharedCores: input.sharedCores,
    requestBytes: input.requestBytes,
    bandwidthMbit: input.bandwidthMbit,
    curve: thin(answer.curve, CURVE_POINTS).map((p) => ({ users: p.users, x: p.x, rMs: p.r * 1000 })),
  };
}

export function aggregateCell(plan: Plan, cell: PlannedCell, all: readonly TrialResult[], limitsEnforcedDefault: boolean): Cell {
  const mine = all.filter((t): t is MaxUsersTrial => t.question === 'max-users' && t.cell === cell.id);
  const valid = mine.filter((t) => t.valid);
  const confirms = valid.map(confirmOf).filter((s): s is Step => s !== undefined);
  const requests = confirms.reduce((n, s) => n + s.requests, 0);
  const successes = confirms.reduce((n, s) => n + s.successes, 0);
  const requestsPerReplica: Record<string, number> = {};
  const decidedBy: Record<string, number> = {};
  for (const t of valid) {
    for (const s of t.steps) sumInto(requestsPerReplica, s.perReplica);
    decidedBy[t.decidedBy] = (decidedBy[t.decidedBy] ?? 0) + 1;
  }
  const steady = confirms.flatMap((s) => (s.steady ? [s.steady] : []));
  const limit = limitOf({ trials: mine, replicas: cell.replicas, replicaCpu: cell.deployment.cpu, hostCores: plan.hostCores, capacityBound: cell.capacityBound, loadGen: plan.config.loadGenerator });
  const first = valid[0] ?? mine[0];
  return roundNumbers({
    replicas: cell.replicas,
    location: cell.location,
    maxUsers: describe(valid.map((t) => t.maxUsers)),
    latencyMs: percentilesMs(mergeHistograms(confirms.map((s) => s.histogram))),
    avgResponseMs: describe(confirms.map((s) => s.latencyMs.mean)),
    qps: {
      avg: confirms.length > 0 ? confirms.reduce((n, s) => n + s.qps.avg, 0) / confirms.length : 0,
      max: Math.max(0, ...confirms.map((s) => s.qps.max)),
    },
    totalRequests: valid.reduce((n, t) => n + t.steps.reduce((m, s) => m + s.requests, 0), 0),
    successRate: requests > 0 ? successes / requests : 0,
    requestsPerReplica,
    capacityBound: cell.capacityBound || mine.some((t) => t.capacityBound),
    limitsEnforced: mine.length > 0 ? mine.every((t) => t.limitsEnforced) : limitsEnforcedDefault,
    invalidTrials: mine.length - valid.length,
    decidedBy,
    network: first?.network ?? { rttMs: null, bandwidthMbit: null, description: 'not measured (no trial)' },
    limitedBy: limit.limitedBy,
    limitEvidence: limit.evidence,
    objective: {
      p95ObjectiveMs: plan.config.failure.p95ObjectiveMs,
      maxUsers: describe(valid.flatMap((t) => (t.objective ? [t.objective.maxUsers] : []))),
    },
    steady: steady.length > 0 ? { littleRatio: mean(steady.map((s) => s.littleRatio)), warmupS: mean(steady.map((s) => s.fromS)), latencyTrend: mean(steady.map((s) => s.latencyTrend)) } : null,
    saturation: saturationOf(mine),
    model: modelOf(plan, cell, mine),
  });
}

const WHAT_IF_REPLICAS = [16, 32];

/**
 * Model output only: 16 and 32 replicas if the host were not the limit, each
 * location's inputs taken from its smallest measured cell.
 */
function whatIf(plan: Plan, trials: readonly TrialResult[]): Results['whatIf'] {
  const locations = [...new Set(plan.cells.map((c) => c.location))] as Location[];
  return locations.flatMap((location) => {
    const base = plan.cells.filter((c) => c.location === location).sort((a, b) => a.replicas - b.replicas)[0];
    const mine = trials.filter((t): t is MaxUsersTrial => t.question === 'max-users' && t.cell === base?.id);
    const input = base ? modelInputs(plan, base, mine) : null;
    if (!input) return [];
    return WHAT_IF_REPLICAS.map((replicas) => {
      const answer = capacityModel({ ...input, replicas, sharedCores: null }, plan.config.search.upperBound);
      return roundNumbers({ location, replicas, predictedMaxUsers: answer.maxUsers, predictedResponseMs: answer.responseMs, bottleneck: answer.bottleneck });
    });
  });
}

export function aggregateResults(plan: Plan, trials: readonly TrialResult[], meta: { createdAt: string; limitsEnforced: boolean }): Results {
  return {
    schemaVersion: SCHEMA_VERSION,
    runId: plan.runId,
    task: plan.task,
    createdAt: meta.createdAt,
    backend: plan.backend,
    profile: plan.profile,
    cpuPerReplica: plan.replicaCpu,
    memoryPerReplicaMi: plan.config.replica.memoryMi,
    cells: plan.cells.map((c) => aggregateCell(plan, c, trials, meta.limitsEnforced)),
    whatIf: whatIf(plan, trials),
  };
}
