/**
 * The on-disk contract of a run directory (`results/<run-id>/`). The
 * experiment writes these files, the report reads them; both sides validate
 * with these schemas so a malformed file is named, never half-read.
 *
 *   plan.json               Plan (experiments/plan)
 *   environment.json        Environment
 *   trials/<trial-id>.json  TrialResult, one per finished trial, written atomically
 *   experiment_results.json Results
 *   experiment_summary.csv  one row per Cell (columns: SUMMARY_CSV_COLUMNS)
 */
import { z } from 'zod';
import { BalancerSpec } from '../contracts/deployment.js';
import { LimitedBy, Location, NetworkPath, Percentiles, ReplicaStats, ReplicaUsage, SaturationLevel, Step, Task } from '../contracts/domain.js';
import { OpenRequest, SizeDistribution } from '../contracts/open-load.js';

export const SCHEMA_VERSION = 1;

/** What every trial records, whatever its cell asked. */
const TrialBase = {
  schemaVersion: z.literal(SCHEMA_VERSION),
  id: z.string(),
  /** the plan's cell this trial measured (PlannedCell.id) */
  cell: z.string(),
  task: Task,
  replicas: z.number().int().positive(),
  location: Location,
  trial: z.number().int().nonnegative(),
  startedAt: z.string(),
  endedAt: z.string(),
  /** false: the load generator was the bottleneck or the trial was cut short; never reported */
  valid: z.boolean(),
  invalidReason: z.string().optional(),
  capacityBound: z.boolean(),
  limitsEnforced: z.boolean(),
  network: NetworkPath,
  replicaStats: z.array(ReplicaStats),
  /**
   * Set when this trial settles its cell whatever its trial count says: the reason no
   * further trial of the cell would measure anything new (its deployment never became
   * ready, its replica was OOM-killed). The engine runs no more trials of the cell.
   */
  endsCell: z.string().optional(),
};

/** A cell's saturation phase (engine/saturation-phase.ts), recorded with its first trial. */
export const SaturationPhase = z.object({
  levels: z.array(SaturationLevel),
  loadGenCpu: z.number().nonnegative(),
  rttMs: z.number().nonnegative().optional(),
  /** the replicas' counters over the phase, when the backend reads them */
  replicaUsage: ReplicaUsage.optional(),
  /** replica CPU seconds per answered request (warm-up included); null when nothing was answered */
  cpuPerRequestS: z.number().nonnegative().nullable().optional(),
});
export type SaturationPhase = z.infer<typeof SaturationPhase>;

/** The second answer: max users whose held p95 stays within the latency objective. */
export const ObjectiveAnswer = z.object({
  p95ObjectiveMs: z.number().positive(),
  maxUsers: z.number().int().nonnegative(),
  /** index into steps of the steady passing hold at maxUsers; null when none passed (0 users) */
  confirmStep: z.number().int().nonnegative().nullable(),
  /** holds the objective needed beyond the headline search's */
  extraHolds: z.number().int().nonnegative(),
});
export type ObjectiveAnswer = z.infer<typeof ObjectiveAnswer>;

/** A trial of the `max-users` question: the search's levels and its answer. */
export const MaxUsersTrial = z.object({
  ...TrialBase,
  question: z.literal('max-users'),
  strategy: z.enum(['search', 'ramp']),
  /** max concurrent users with 100% success (confirmed by a hold) */
  maxUsers: z.number().int().nonnegative(),
  /** what stopped the search at maxUsers + 1 */
  decidedBy: z.enum(['failure', 'unsteady', 'latency-objective', 'upper-bound']),
  /** every load level measured, in order */
  steps: z.array(Step),
  /** index into steps of the confirming hold at maxUsers */
  confirmStep: z.number().int().nonnegative(),
  /** the cell's saturation phase, with the cell's first trial */
  saturation: SaturationPhase.optional(),
  objective: ObjectiveAnswer.optional(),
});
export type MaxUsersTrial = z.infer<typeof MaxUsersTrial>;

/**
 * A trial of the `jct` question: one open (Poisson) load held on one
 * balancer policy, every request recorded with its size and times, and the
 * replicas' counters before and after, so the analysis derives everything
 * (JCT, queueing, slowdown, utilisation) from what was measured.
 */
export const JctTrial = z.object({
  ...TrialBase,
  question: z.literal('jct'),
  /** the policy axis value (a policy name, or an entry's label) */
  policy: z.string(),
  /** the round (block) of the cell: every policy of a round got the same requests */
  round: z.number().int().nonnegative(),
  balancer: BalancerSpec,
  /** offered utilisation and the arrival rate it took */
  utilisation: z.number().positive(),
  ratePerS: z.number().positive(),
  unitMs: z.number().positive(),
  sizes: SizeDistribution,
  /** seconds of counted arrivals and of warm-up */
  durationS: z.number().positive(),
  warmupS: z.number().nonnegative(),
  timeoutMs: z.number().positive(),
  /** the open job as it ran: its wall time, the generator's CPU, the path's RTT */
  load: z.object({ durationS: z.number().nonnegative(), loadGenCpu: z.number().nonnegative(), rttMs: z.number().nonnegative().optional() }),
  requests: z.array(OpenRequest),
  /** the replicas' counters when the load started (replicaStats: when it ended) */
  replicaStatsBefore: z.array(ReplicaStats),
  /** the orchestrator's machine over the load, every process counted (the replicas' own machine on a local backend) */
  host: z.object({ busyCores: z.number().nonnegative(), cores: z.number().int().positive(), loadAvg1: z.number().nonnegative() }),
});
export type JctTrial = z.infer<typeof JctTrial>;

/** How a configuration fared: it served, it was OOM-killed, or it failed another way (the reason says which). */
export const TRIAL_STATUSES = ['success', 'oom', 'failed'] as const;
export const TrialStatus = z.enum(TRIAL_STATUSES);
export type TrialStatus = z.infer<typeof TrialStatus>;

/** A trial of the `workload` question: one warmed-up replica under a fixed workload at concurrency 1 and at saturation. */
export const WorkloadTrial = z.object({
  ...TrialBase,
  question: z.literal('workload'),
  status: TrialStatus,
  /** why the status is not success (the OOM kill, the readiness timeout, the failed answers) */
  error: z.string().optional(),
  /** seconds the cell's deploy took (replicas replaced, started and ready); on the first trial after a deploy only, null otherwise */
  startupS: z.number().nonnegative().nullable(),
  /** seconds the workload took (warm-ups included) */
  workloadS: z.number().nonnegative(),
  /** [concurrency 1, saturation], as measured; fewer when the replica never served */
  levels: z.array(SaturationLevel),
  /** the replica's cgroup counters and the host's busy share over the workload (engine/replica-usage.ts); absent when the backend reads no CPU counters */
  usage: ReplicaUsage.optional(),
  /** OOM kills and restarts over the workload, from the replica's status (counted also without cgroup counters) */
  oomKills: z.number().int().nonnegative(),
  restarts: z.number().int().nonnegative(),
  /** the cgroup's max usage since the replica started (memory.max_usage_in_bytes / memory.peak); null when not read */
  memoryPeakBytes: z.number().nonnegative().nullable(),
  loadGenCpu: z.number().nonnegative(),
});
export type WorkloadTrial = z.infer<typeof WorkloadTrial>;

/** One trial file; `question` says which kind (a study's cells ask one question each). */
export const TrialResult = z.discriminatedUnion('question', [MaxUsersTrial, WorkloadTrial, JctTrial]);
export type TrialResult = z.infer<typeof TrialResult>;
export const isMaxUsersTrial = (t: TrialResult): t is MaxUsersTrial => t.question === 'max-users';
export const isWorkloadTrial = (t: TrialResult): t is WorkloadTrial => t.question === 'workload';
export const isJctTrial = (t: TrialResult): t is JctTrial => t.question === 'jct';

export const Stat = z.object({
  mean: z.number(),
  /** null below two values: one trial has no spread to state */
  sd: z.number().nullable(),
  ci95: z.tuple([z.number(), z.number()]).nullable(),
  n: z.number().int().nonnegative(),
  values: z.array(z.number()),
});
export type Stat = z.infer<typeof Stat>;

/** One replicas × location cell, aggregated over its valid trials. */
export const Cell = z.object({
  replicas: z.number().int().positive(),
  location: Location,
  maxUsers: Stat,
  /** latency at max users (confirming holds, merged histograms), ms */
  latencyMs: Percentiles,
  /** mean response time at max users, per trial, for ± sd */
  avgResponseMs: Stat,
  qps: z.object({ avg: z.number(), max: z.number() }),
  totalRequests: z.number().int().nonnegative(),
  successRate: z.number().min(0).max(1),
  requestsPerReplica: z.record(z.string(), z.number().int().nonnegative()),
  capacityBound: z.boolean(),
  limitsEnforced: z.boolean(),
  invalidTrials: z.number().int().nonnegative(),
  decidedBy: z.record(z.string(), z.number().int().nonnegative()),
  network: NetworkPath,
  /** what limited the cell, and the measured numbers that say so (experiments/analyse/limits.ts) */
  limitedBy: LimitedBy,
  limitEvidence: z.string(),
  /** the second answer: max users whose held p95 stays within the objective */
  objective: z.object({ p95ObjectiveMs: z.number().positive(), maxUsers: Stat }),
  /** the confirming holds' steady-state figures, averaged: Little's ratio X·(R+Z)/N, warm-up left out, latency trend */
  steady: z.object({ littleRatio: z.number(), warmupS: z.number(), latencyTrend: z.number() }).nullable(),
  /** the saturation phase (autocannon, no think time) */
  saturation: z
    .object({
      xMax: z.number().nonnegative(),
      cpuPerRequestS: z.number().nonnegative().nullable(),
      levels: z.array(z.object({ concurrency: z.number().int().positive(), throughput: z.number(), meanMs: z.number(), p95Ms: z.number(), requests: z.number().int(), errors: z.number().int() })),
    })
    .nullable(),
  /** the capacity model (experiments/analyse/capacity-model.ts) with the measured inputs it used; null without a saturation phase */
  model: z
    .object({
      predictedMaxUsers: z.number().int().nonnegative().nullable(),
      predictedResponseMs: z.number().nonnegative().nullable(),
      decidedBy: z.enum(['admission', 'timeout']).nullable(),
      xMax: z.number().nonnegative().nullable(),
      bottleneck: z.string(),
      cpuPerRequestS: z.number().nonnegative(),
      unloadedLatencyMs: z.number().nonnegative(),
      admissionBound: z.number().int().positive(),
      sharedCores: z.number().positive().nullable(),
      requestBytes: z.number().nonnegative(),
      bandwidthMbit: z.number().positive().nullable(),
      curve: z.array(z.object({ users: z.number().int().positive(), x: z.number(), rMs: z.number() })),
    })
    .nullable(),
});
export type Cell = z.infer<typeof Cell>;

export const Results = z.object({
  schemaVersion: z.literal(SCHEMA_VERSION),
  runId: z.string(),
  task: Task,
  createdAt: z.string(),
  backend: z.string(),
  /** the config profile (`quick` is a smoke run, not for submission) */
  profile: z.string().nullable(),
  cpuPerReplica: z.number().positive(),
  memoryPerReplicaMi: z.number().positive(),
  cells: z.array(Cell),
  /** model output only: more replicas if the host were not the limit */
  whatIf: z.array(z.object({ location: Location, replicas: z.number().int().positive(), predictedMaxUsers: z.number().int().nonnegative().nullable(), predictedResponseMs: z.number().nullable(), bottleneck: z.string() })),
});
export type Results = z.infer<typeof Results>;

export const SUMMARY_CSV_COLUMNS = [
  'replicas', 'location', 'n', 'max_users_mean', 'max_users_sd', 'max_users_ci95_low', 'max_users_ci95_high',
  'avg_response_ms', 'avg_response_sd_ms', 'p50_ms', 'p95_ms', 'p99_ms', 'max_ms', 'qps_avg', 'qps_max',
  'total_requests', 'success_rate', 'capacity_bound', 'limits_enforced', 'invalid_trials',
  'limited_by', 'p95_objective_ms', 'max_users_within_objective_mean', 'max_users_within_objective_sd', 'little_ratio',
  'x_max_saturation', 'predicted_max_users', 'predicted_response_ms', 'model_x_max',
] as const;

/** environment.json: where and with what a run was measured. */
export const Environment = z.object({
  schemaVersion: z.literal(SCHEMA_VERSION),
  runId: z.string(),
  createdAt: z.string(),
  node: z.string(),
  platform: z.string(),
  kernel: z.string(),
  cpuModel: z.string(),
  cores: z.number().int().positive(),
  memoryBytes: z.number().nonnegative(),
  gitCommit: z.string().nullable(),
  backend: z.string(),
  limitsEnforced: z.boolean(),
  /** versions of the libraries that shape the numbers (load generator, runtime, image decoding) */
  packages: z.record(z.string(), z.string()),
});
export type Environment = z.infer<typeof Environment>;
