/**
 * A study is a typed description over the one engine (experiments/engine):
 * its axes become cells, each cell asks one question of a deployment at a
 * client location, and its analysis turns the recorded trials into the run's
 * result files. The engine iterates the cells; the study never runs
 * anything itself. Adding a study: see docs/experiments.md.
 */
import type { PlannedCell, Plan } from '../plan/plan.js';
import type { StudyConfig, StudyName } from '../plan/config.js';
import type { TrialResult } from '../record/schema.js';

/** What the engine asks of a cell; engine/questions.ts runs each. */
export const QUESTION_NAMES = ['max-users'] as const;
export type QuestionName = (typeof QUESTION_NAMES)[number];

export interface HostContext {
  /** cores for replicas and generators together */
  hostCores: number;
  /** --fit-host: scale per-replica CPU down so the largest cell fits */
  fitHost: boolean;
}

export interface CellLayout {
  /** in run order: cells that share a replica shape are adjacent, so the backend only scales between them */
  cells: PlannedCell[];
  /** per-replica CPU actually used (lower than asked when fitted to the host) */
  replicaCpu: number;
  fittedToHost: boolean;
  warnings: string[];
}

/** The run directory's result files a study writes after every trial, name → contents. */
export type ResultFiles = Record<string, string>;

export interface Study {
  readonly name: StudyName;
  /** one line for the plan's head and the logs */
  readonly title: string;
  readonly question: QuestionName;
  /** config file used when --study picks this study without --config */
  readonly defaultConfig: string;
  /** axes → cells (pure); throws PlanError when the config cannot be planned */
  cells(config: StudyConfig, host: HostContext): CellLayout;
  /** a rough duration of one trial of `cell`, seconds (the plan's estimate; progress replaces it with measured times) */
  estimateTrialS(config: StudyConfig, cell: PlannedCell): number;
  /** trials → result files (pure); called after every trial and once at the end */
  analyse(plan: Plan, trials: readonly TrialResult[], meta: { limitsEnforced: boolean; createdAt: string }): ResultFiles;
  /** the answer in one line, for the end of a run ("max users 1×cluster 30 (1 trial), …") */
  summarize(plan: Plan, trials: readonly TrialResult[]): string;
}
