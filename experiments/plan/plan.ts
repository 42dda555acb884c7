/**
 * Config → the study's cells and the ordered list of trials, with stable
 * ids, the capacity check and a duration estimate. Pure: the CLI prints it
 * for --dry-run and writes it as plan.json; --resume reads it back. What
 * the cells are is the study's business (experiments/studies).
 */
import { z } from 'zod';
import { Location, Task } from '../contracts/domain.js';
import { DeploymentSpec } from '../contracts/deployment.js';
import { SCHEMA_VERSION } from '../record/schema.js';
import { STUDIES } from '../studies/index.js';
import { StudyConfig, StudyName } from './config.js';

export const PlannedTrial = z.object({
  id: z.string(),
  /** PlannedCell.id */
  cell: z.string(),
  replicas: z.number().int().positive(),
  location: Location,
  trial: z.number().int().nonnegative(),
});
export type PlannedTrial = z.infer<typeof PlannedTrial>;

export const PlannedCell = z.object({
  /** stable and unique within the plan, e.g. r4-remote */
  id: z.string(),
  replicas: z.number().int().positive(),
  location: Location,
  capacityBound: z.boolean(),
  /** cores the cell asks for: replicas × CPU + the load generator's */
  cpuDemand: z.number(),
  /** what the backend runs for this cell */
  deployment: DeploymentSpec,
  /** what the study calls this cell along its own axes (e.g. configuration and model), for its analysis and progress */
  labels: z.record(z.string(), z.string()).optional(),
  /**
   * binding-study cells: the policy axis value (a policy, or an entry's label), the offered utilisation of
   * the replicas' CPU, the open load's arrival rate it takes, and the round (block) the cell belongs to
   */
  openLoad: z
    .strictObject({ policy: z.string(), utilisation: z.number().positive(), ratePerS: z.number().positive(), round: z.number().int().nonnegative() })
    .optional(),
  /**
   * Why this cell does not run on this plan's backend (e.g. a GPU share on a backend without GPUs).
   * A skipped cell is part of the results, with this reason, but is never checked, deployed or measured.
   */
  skip: z.string().optional(),
});
export type PlannedCell = z.infer<typeof PlannedCell>;

export const Plan = z.object({
  schemaVersion: z.literal(SCHEMA_VERSION),
  runId: z.string(),
  createdAt: z.string(),
  study: StudyName,
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
  /** the backend can give replicas a GPU share (BackendModule.gpu) @default false */
  gpu?: boolean;
  /** whether a model file exists, for models measured only when installed @default every file exists */
  fileExists?: (path: string) => boolean;
}

export { PlanError } from './plan-error.js';

export function trialId(cell: Pick<PlannedCell, 'id'>, trial: number): string {
  return `${cell.id}-t${trial}`;
}

/** Rough allowance for starting, scaling or replacing replicas, seconds (a study may give its own). */
export const DEPLOY_S = 15;

/** The cells that run: every one the study planned except those skipped on this backend. */
export const runnableCells = (cells: readonly PlannedCell[]): PlannedCell[] => cells.filter((c) => c.skip === undefined);

export function buildPlan(config: StudyConfig, ctx: PlanContext): Plan {
  const study = STUDIES[config.study];
  const hostCores = config.hostCores ?? ctx.machineCores;
  const layout = study.cells(config, { hostCores, fitHost: ctx.fitHost, gpu: ctx.gpu ?? false, fileExists: ctx.fileExists ?? (() => true) });
  const runnable = runnableCells(layout.cells);
  const trials: PlannedTrial[] = runnable.flatMap((cell) =>
    Array.from({ length: config.trials.min }, (_, t) => ({ id: trialId(cell, t), cell: cell.id, replicas: cell.replicas, location: cell.location, trial: t })),
  );
  // a balancer switch starts nothing: only new replica counts and shapes cost a deployment
  const deployments = [...new Map(runnable.map((c) => [JSON.stringify({ ...c.deployment, balancer: null }), c])).values()];
  const deployS = deployments.reduce((sum, c) => sum + (study.estimateDeployS?.(config, c) ?? DEPLOY_S), 0);
  const estimateS = deployS + trials.reduce((sum, t) => sum + study.estimateTrialS(config, runnable.find((c) => c.id === t.cell)!), 0);
  return {
    schemaVersion: SCHEMA_VERSION,
    runId: ctx.runId,
    createdAt: ctx.now.toISOString(),
    study: config.study,
    backend: ctx.backend,
    task: config.task,
    profile: ctx.profile,
    config,
    hostCores,
    replicaCpu: layout.replicaCpu,
    fittedToHost: layout.fittedToHost,
    cells: layout.cells,
    trials,
    estimateS,
    warnings: layout.warnings,
  };
}
