/**
 * The questions a study can ask of a cell, by name: how one trial is run and
 * which number of a trial decides whether the cell needs another.
 */
import type { QuestionName } from '../studies/types.js';
import type { TrialResult } from '../record/schema.js';
import type { TrialValue } from './cell-trials.js';
import { runMaxUsersTrial, type TrialContext } from './max-users-trial.js';
import type { PlannedTrial } from '../plan/plan.js';

export interface Question {
  run(planned: PlannedTrial, attempt: number, ctx: TrialContext): Promise<TrialResult>;
  value: TrialValue;
}

export const QUESTIONS = {
  'max-users': { run: runMaxUsersTrial, value: (t) => t.maxUsers },
} as const satisfies Record<QuestionName, Question>;
