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
import { Location, NetworkPath, Percentiles, ReplicaStats, Step, Task } from '../contracts/domain.js';

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
};

/** A trial of the `max-users` question: the search's levels and its answer. */
export const MaxUsersTrial = z.object({
  ...TrialBase,
  question: z.literal('max-users'),
  strategy: z.enum(['search', 'ramp']),
  /** max concurrent users with 100% success (confirmed by a hold) */
  maxUsers: z.number().int().nonnegative(),
  /** what stopped the search at maxUsers + 1 */
  decidedBy: z.enum(['failure', 'latency-objective', 'upper-bound']),
  /** every load level measured, in order */
  steps: z.array(Step),
  /** index into steps of the confirming hold at maxUsers */
  confirmStep: z.number().int().nonnegative(),
});
export type MaxUsersTrial = z.infer<typeof MaxUsersTrial>;

/** One trial file; `question` says which kind (a study's cells ask one question each). */
export const TrialResult = z.discriminatedUnion('question', [MaxUsersTrial]);
export type TrialResult = z.infer<typeof TrialResult>;

export const Stat = z.object({
  mean: z.number(),
  sd: z.number(),
  ci95: z.tuple([z.number(), z.number()]),
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
});
export type Cell = z.infer<typeof Cell>;

export const Results = z.object({
  schemaVersion: z.literal(SCHEMA_VERSION),
  runId: z.string(),
  task: Task,
  createdAt: z.string(),
  backend: z.string(),
  cpuPerReplica: z.number().positive(),
  memoryPerReplicaMi: z.number().positive(),
  cells: z.array(Cell),
});
export type Results = z.infer<typeof Results>;

export const SUMMARY_CSV_COLUMNS = [
  'replicas', 'location', 'n', 'max_users_mean', 'max_users_sd', 'max_users_ci95_low', 'max_users_ci95_high',
  'avg_response_ms', 'avg_response_sd_ms', 'p50_ms', 'p95_ms', 'p99_ms', 'max_ms', 'qps_avg', 'qps_max',
  'total_requests', 'success_rate', 'capacity_bound', 'limits_enforced', 'invalid_trials',
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
