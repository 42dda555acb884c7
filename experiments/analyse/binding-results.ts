/**
 * The binding study's trials → one result per policy × load (× replicas),
 * over its cells of every round: the per-request measures of every counted
 * request of their valid trials,
 * overall and per size class, and what the replicas did (utilisation from
 * their cgroup CPU and from their work time, how often a replica queued a
 * request a late policy believed it had room for). Pure.
 */
import { z } from 'zod';
import type { ReplicaStats } from '../contracts/domain.js';
import { BalancerSpec } from '../contracts/deployment.js';
import { SizeDistribution } from '../contracts/open-load.js';
import type { PlannedCell } from '../plan/plan.js';
import { SCHEMA_VERSION, type JctTrial } from '../record/schema.js';
import { roundNumbers } from './aggregate.js';
import { Comparison } from './binding-compare.js';
import { counted, groupStats, jctMs, outcomeOf, queueingMs, tail, type GroupStats } from './jct.js';

const TailSchema = z.object({ p50: z.number(), p95: z.number(), p99: z.number(), mean: z.number(), max: z.number() });

export const ClassResult = z.object({
  /** the size in units, or "all" */
  sizeClass: z.string(),
  n: z.number().int().nonnegative(),
  ok: z.number().int().nonnegative(),
  timeouts: z.number().int().nonnegative(),
  errors: z.number().int().nonnegative(),
  jctMs: TailSchema,
  queueMs: TailSchema,
  serviceMs: TailSchema,
  slowdown: TailSchema,
  overheadMs: TailSchema,
});
export type ClassResult = z.infer<typeof ClassResult>;

export const ReplicaUse = z.object({
  name: z.string(),
  /** cgroup CPU over the load ÷ (its wall time × the CPU limit); absent without cgroup counters */
  cpu: z.number().nonnegative().optional(),
  /** the replica's work stages over the load ÷ its wall time */
  busy: z.number().nonnegative(),
  /**
   * requests bound to the replica, time-averaged: from the balancer handing one over to its answer (above 1:
   * requests queued inside it). Under a late policy with one slot per replica it is at most 1
   */
  held: z.number().nonnegative(),
  /**
   * of the wall time, the part requests were bound to the replica neither queued in it nor in work: the
   * hand-over (on their way, parsed, answered, waiting for CPU). With one slot per replica, time the
   * replica could do nothing else
   */
  handover: z.number().nonnegative(),
  /** CPU time the quota held it back ÷ the load's wall time */
  throttled: z.number().nonnegative().optional(),
  served: z.number().int().nonnegative(),
});
export type ReplicaUse = z.infer<typeof ReplicaUse>;

export const BindingCell = z.object({
  /** the plan's cells this result pools (one per round) */
  cells: z.array(z.string()),
  policy: z.string(),
  balancer: BalancerSpec,
  load: z.number(),
  replicas: z.number().int().positive(),
  location: z.string(),
  ratePerS: z.number(),
  trials: z.number().int().nonnegative(),
  invalidTrials: z.number().int().nonnegative(),
  invalidReasons: z.array(z.string()),
  /** the work the counted requests carried ÷ (the counted window × replicas × CPU): the load the draws offered */
  offeredUtilisation: z.number().nonnegative(),
  /** per replica, mean over the valid trials */
  replicaUse: z.array(ReplicaUse),
  /** answered requests that waited more than 1 ms inside a replica: under a late policy, a slot the balancer misjudged free */
  replicaQueuedShare: z.number().min(0).max(1),
  sendLagP99Ms: z.number().nonnegative(),
  loadGenCpu: z.number().nonnegative(),
  /**
   * the orchestrator's machine during the loads, mean over the trials: cores busy (every process), the
   * 1-minute load average, and the cores neither the replicas nor the generator used (on a local backend:
   * other processes, the balancer among them, competing with the replicas for CPU)
   */
  host: z.object({ busyCores: z.number().nonnegative(), cores: z.number().int().positive(), loadAvg1: z.number().nonnegative(), otherCores: z.number() }).nullable(),
  classes: z.array(ClassResult),
});
export type BindingCell = z.infer<typeof BindingCell>;

/** Replica queueing above this means the replica had the request wait for another one. */
const QUEUED_MS = 1;

function classes(requests: JctTrial['requests'], sizes: SizeDistribution): ClassResult[] {
  const out: ClassResult[] = [{ sizeClass: 'all', ...groupStats(requests) }];
  for (const units of [...sizes.units].sort((a, b) => a - b)) {
    const stats: GroupStats = groupStats(requests.filter((r) => r.units === units));
    out.push({ sizeClass: String(units), ...stats });
  }
  return out;
}

function replicaUse(trials: readonly JctTrial[], cpuLimit: number): ReplicaUse[] {
  const perName = new Map<string, ReplicaUse[]>();
  for (const t of trials) {
    const wallMs = t.load.durationS * 1000;
    for (const after of t.replicaStats) {
      const before = t.replicaStatsBefore.find((b) => b.name === after.name);
      const mine = t.requests.filter((r) => r.replica === after.name);
      const delta = (key: keyof Pick<ReplicaStats, 'cpuSeconds' | 'cpuThrottledSeconds'>) =>
        after[key] !== undefined && before?.[key] !== undefined ? (after[key]! - before[key]!) * 1000 : undefined;
      const cpuMs = delta('cpuSeconds');
      const throttledMs = delta('cpuThrottledSeconds');
      const use: ReplicaUse = {
        name: after.name,
        ...(cpuMs !== undefined && wallMs > 0 ? { cpu: cpuMs / (wallMs * cpuLimit) } : {}),
        busy: wallMs > 0 ? mine.reduce((s, r) => s + (r.workMs ?? 0), 0) / wallMs : 0,
        held: wallMs > 0 ? mine.reduce((s, r) => s + jctMs(r) - (r.lbQueueMs ?? 0), 0) / wallMs : 0,
        handover: wallMs > 0 ? mine.reduce((s, r) => s + Math.max(0, jctMs(r) - queueingMs(r) - (r.workMs ?? 0)), 0) / wallMs : 0,
        ...(throttledMs !== undefined && wallMs > 0 ? { throttled: throttledMs / wallMs } : {}),
        served: mine.length,
      };
      perName.set(after.name, [...(perName.get(after.name) ?? []), use]);
    }
  }
  const avg = (xs: (number | undefined)[]) => (xs.every((x) => x !== undefined) && xs.length > 0 ? xs.reduce((a, b) => a + b!, 0) / xs.length : undefined);
  return [...perName.entries()].map(([name, uses]) => {
    const cpu = avg(uses.map((u) => u.cpu));
    const throttled = avg(uses.map((u) => u.throttled));
    return {
      name,
      ...(cpu !== undefined ? { cpu } : {}),
      busy: avg(uses.map((u) => u.busy))!,
      held: avg(uses.map((u) => u.held))!,
      handover: avg(uses.map((u) => u.handover))!,
      ...(throttled !== undefined ? { throttled } : {}),
      served: uses.reduce((s, u) => s + u.served, 0),
    };
  });
}

/** The plan's cells grouped into the results' rows: replicas × load × policy, rounds pooled, in plan order. */
export function resultGroups(cells: readonly PlannedCell[]): PlannedCell[][] {
  const groups = new Map<string, PlannedCell[]>();
  for (const c of cells) {
    const key = `${c.replicas}|${c.openLoad?.utilisation}|${c.openLoad?.policy ?? c.deployment.balancer.policy}`;
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  return [...groups.values()];
}

const meanOf = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

function hostOf(trials: readonly JctTrial[], use: readonly ReplicaUse[], cpuLimit: number): BindingCell['host'] {
  if (trials.length === 0) return null;
  const busyCores = meanOf(trials.map((t) => t.host.busyCores));
  const ours = use.reduce((s, u) => s + (u.cpu ?? u.busy) * cpuLimit, 0) + meanOf(trials.map((t) => t.load.loadGenCpu));
  return { busyCores, cores: trials[0]!.host.cores, loadAvg1: meanOf(trials.map((t) => t.host.loadAvg1)), otherCores: busyCores - ours };
}

export function bindingCell(group: readonly PlannedCell[], trials: readonly JctTrial[], cpuLimit: number): BindingCell {
  const cell = group[0]!;
  const ids = new Set(group.map((c) => c.id));
  const mine = trials.filter((t) => ids.has(t.cell));
  const valid = mine.filter((t) => t.valid);
  const requests = valid.flatMap((t) => counted(t.requests));
  const windowMs = valid.reduce((s, t) => s + t.durationS * 1000, 0);
  const work = valid.flatMap((t) => counted(t.requests).map((r) => r.units * t.unitMs)).reduce((a, b) => a + b, 0);
  const answered = requests.filter((r) => outcomeOf(r) === 'ok');
  const sizes = valid[0]?.sizes ?? mine[0]?.sizes ?? { units: [], probabilities: [] };
  const use = replicaUse(valid, cpuLimit);
  return roundNumbers({
    cells: [...ids],
    policy: cell.openLoad?.policy ?? cell.deployment.balancer.policy,
    balancer: cell.deployment.balancer,
    load: cell.openLoad?.utilisation ?? 0,
    replicas: cell.replicas,
    location: cell.location,
    ratePerS: cell.openLoad?.ratePerS ?? 0,
    trials: valid.length,
    invalidTrials: mine.length - valid.length,
    invalidReasons: mine.flatMap((t) => (t.invalidReason ? [t.invalidReason] : [])),
    offeredUtilisation: windowMs > 0 ? work / (windowMs * cell.replicas * cpuLimit) : 0,
    replicaUse: use,
    replicaQueuedShare: answered.length > 0 ? answered.filter((r) => (r.queueMs ?? 0) > QUEUED_MS).length / answered.length : 0,
    sendLagP99Ms: tail(requests.map((r) => r.lagMs)).p99,
    loadGenCpu: Math.max(0, ...valid.map((t) => t.load.loadGenCpu)),
    host: hostOf(valid, use, cpuLimit),
    classes: classes(requests, sizes),
  });
}

export const BindingResults = z.object({
  schemaVersion: z.literal(SCHEMA_VERSION),
  study: z.literal('binding'),
  runId: z.string(),
  createdAt: z.string(),
  backend: z.string(),
  cpuPerReplica: z.number().positive(),
  fittedToHost: z.boolean(),
  limitsEnforced: z.boolean(),
  unitMs: z.number().positive(),
  sizes: SizeDistribution,
  /** the size classes compared as short jobs */
  shortClasses: z.array(z.number().int().positive()),
  cells: z.array(BindingCell),
  comparisons: z.array(Comparison),
  observations: z.array(z.string()),
});
export type BindingResults = z.infer<typeof BindingResults>;
