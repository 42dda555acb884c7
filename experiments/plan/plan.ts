/**
 * Config → the ordered list of trials, with stable ids, the capacity check
 * and a duration estimate. Pure: the CLI prints it for --dry-run and writes
 * it as plan.json; --resume reads it back.
 */
import { z } from 'zod';
import { Location, SCHEMA_VERSION, Task } from '../record/schema.js';
import { capacityWarning, checkCapacity, fitReplicaCpu } from './capacity.js';
import { StudyConfig } from './config.js';

export const PlannedTrial = z.object({
  id: z.string(),
  replicas: z.number().int().positive(),
  location: Location,
  trial: z.number().int().nonnegative(),
});
export type PlannedTrial = z.infer<typeof PlannedTrial>;

export const PlannedCell = z.object({
  replicas: z.number().int().positive(),
  location: Location,
  capacityBound: z.boolean(),
  cpuDemand: z.number(),
});
export type PlannedCell = z.infer<typeof PlannedCell>;

export const Plan = z.object({
  schemaVersion: z.literal(SCHEMA_VERSION),
  runId: z.string(),
  createdAt: z.string(),
  backend: z.string(),
  task: Task,
  profile: z.string().nullable(),
  config: StudyConfig,
  hostCores: z.number().positive(),
  /** per-replica CPU actually used (lower than config.replica.cpu when fitted to the host) */
  replicaCpu: z.number().positive(),
  fittedToHost: z.boolean(),
  cells: z.array(PlannedCell),
  /** the minimum trials; adaptive trials are added at run time up to config.trials.max */
  trials: z.array(PlannedTrial),
  estimateS: z.number().nonnegative(),
  warnings: z.array(z.string()),
});
export type Plan = z.infer<typeof Plan>;

export interface PlanContext {
  runId: string;
  backend: string;
  /** cores of this machine, used when the config does not set hostCores */
  machineCores: number;
  fitHost: boolean;
  profile: string | null;
  now: Date;
}

export class PlanError extends Error {
  override name = 'PlanError';
}

export function trialId(replicas: number, location: Location, trial: number): string {
  return `r${replicas}-${location}-t${trial}`;
}

export function buildPlan(config: StudyConfig, ctx: PlanContext): Plan {
  const hostCores = config.hostCores ?? ctx.machineCores;
  const replicas = [...new Set(config.replicas)].sort((a, b) => a - b);
  const warnings: string[] = [];
  let replicaCpu = config.replica.cpu;
  const capacityInput = { replicas, replicaCpu, loadGenCpu: config.loadGenerator.cpu, hostCores };
  let fittedToHost = false;
  if (ctx.fitHost) {
    const fitted = fitReplicaCpu(capacityInput);
    if (fitted === null || fitted <= 0) {
      throw new PlanError(`--fit-host: the load generator's ${config.loadGenerator.cpu} cores leave nothing of ${hostCores} for replicas`);
    }
    if (fitted < replicaCpu) {
      warnings.push(`--fit-host: per-replica CPU scaled from ${replicaCpu} to ${fitted} cores so ${Math.max(...replicas)} replicas fit ${hostCores} cores`);
      replicaCpu = fitted;
      fittedToHost = true;
    }
  }
  const capacity = checkCapacity({ ...capacityInput, replicaCpu });
  const warning = capacityWarning(capacity, hostCores);
  if (warning) warnings.push(warning);

  const cells: PlannedCell[] = [];
  const trials: PlannedTrial[] = [];
  for (const cap of capacity) {
    for (const location of config.locations) {
      cells.push({ replicas: cap.replicas, location, capacityBound: cap.bound, cpuDemand: cap.demand });
      for (let t = 0; t < config.trials.min; t += 1) trials.push({ id: trialId(cap.replicas, location, t), replicas: cap.replicas, location, trial: t });
    }
  }
  const estimateS = replicas.length * SCALE_S + trials.reduce((sum, t) => sum + estimateTrialS(config, t.replicas), 0);
  return {
    schemaVersion: SCHEMA_VERSION,
    runId: ctx.runId,
    createdAt: ctx.now.toISOString(),
    backend: ctx.backend,
    task: config.task,
    profile: ctx.profile,
    config,
    hostCores,
    replicaCpu,
    fittedToHost,
    cells,
    trials,
    estimateS,
    warnings,
  };
}

/** Rough allowance for starting or scaling replicas, seconds. */
const SCALE_S = 15;
/** Process start and result hand-over of one load job, seconds. */
const JOB_OVERHEAD_S = 1.5;
/**
 * How much of the allowed extension past holdS a hold uses on average: most
 * end steady right after holdS and failing ones end early (the full matrix
 * here: 286 holds of 10-30 s averaged 10.4 s).
 */
const EXTENSION_SHARE = 0.1;
/**
 * Planning guesses (only the estimate uses them; the progress line replaces
 * them with measured trial times once trials end): max users per replica, and
 * how long a level's in-flight requests take to drain after its hold. A pose
 * replica serves about 1.5 images/s at 0.5 CPU, so its users mostly wait in
 * the queue: a similar count (measured 16-20 on one replica), seconds of drain.
 */
const GUESS_USERS_PER_REPLICA: Record<StudyConfig['task'], number> = { detection: 24, pose: 16 };
const DRAIN_S: Record<StudyConfig['task'], number> = { detection: 0, pose: 5 };

export function estimateTrialS(config: StudyConfig, replicas: number): number {
  const guess = Math.min(config.search.upperBound, GUESS_USERS_PER_REPLICA[config.task] * replicas * (config.thinkS[1] > 0 ? 2 : 1));
  const holdS = config.search.holdS + EXTENSION_SHARE * (config.search.maxHoldS - config.search.holdS) + JOB_OVERHEAD_S + DRAIN_S[config.task];
  if (config.strategy === 'ramp') return guess * config.ramp.stepS + JOB_OVERHEAD_S + holdS;
  const bracket = Math.ceil(Math.log2(Math.max(2, guess / config.search.startUsers))) + 1;
  const bisect = Math.ceil(Math.log2(Math.max(2, guess / 2 / Math.max(1, guess * config.search.resolution))));
  return (bracket + bisect + 1) * holdS;
}
