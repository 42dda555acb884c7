/**
 * The questions a study can ask of a cell, by name: how one trial is run,
 * which number of a trial decides whether the cell needs another, and
 * whether a deployment that never became ready is an answer (recorded, the
 * study goes on) or the end of the run.
 */
import type { LogFn } from '../../lib/log.js';
import type { Backend, DeployFailed } from '../deploy/backend.js';
import type { Plan, PlannedTrial } from '../plan/plan.js';
import type { QuestionName } from '../studies/types.js';
import type { TrialResult } from '../record/schema.js';
import type { TrialValue } from './cell-trials.js';
import { runMaxUsersTrial, type TrialContext } from './max-users-trial.js';
import { jctValue, runJctTrial } from './jct-trial.js';
import { recordDeployFailure, runWorkloadTrial } from './workload-trial.js';

export interface DeployFailureContext {
  plan: Plan;
  backend: Backend;
  log: LogFn;
  /** when the deploy started, and how long it took to fail */
  startedAt: string;
  seconds: number;
}

export interface Question {
  run(planned: PlannedTrial, attempt: number, ctx: TrialContext): Promise<TrialResult>;
  value: TrialValue;
  /**
   * A cell whose deployment failed (DeployFailed) as its trial, which should end the cell
   * (TrialResult.endsCell); the engine records it and goes on with the next cell.
   * Unset: the question cannot answer without replicas, and the run stops (exit 4).
   */
  deployFailed?(planned: PlannedTrial, error: DeployFailed, ctx: DeployFailureContext): Promise<TrialResult>;
}

type TrialOf<Q extends QuestionName> = Extract<TrialResult, { question: Q }>;

/** The cell's number of a trial of question `q`; a trial of another question in its cell is a bug. */
function valueOf<Q extends QuestionName>(q: Q, pick: (t: TrialOf<Q>) => number): TrialValue {
  return (t) => {
    if (t.question !== q) throw new Error(`a ${t.question} trial (${t.id}) where ${q} trials belong`);
    return pick(t as TrialOf<Q>);
  };
}

export const QUESTIONS = {
  'max-users': { run: runMaxUsersTrial, value: valueOf('max-users', (t) => t.maxUsers) },
  // images/s at saturation; a configuration that never served counts 0
  workload: { run: runWorkloadTrial, value: valueOf('workload', (t) => t.levels[1]?.throughput ?? 0), deployFailed: recordDeployFailure },
  // p95 JCT of every counted request
  jct: { run: runJctTrial, value: valueOf('jct', jctValue) },
} as const satisfies Record<QuestionName, Question>;
