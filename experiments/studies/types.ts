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
export const QUESTION_NAMES = ['max-users', 'workload', 'jct'] as const;
export type QuestionName = (typeof QUESTION_NAMES)[number];

export interface HostContext {
  /** cores for replicas and generators together */
  hostCores: number;
  /** --fit-host: scale per-replica CPU down so the largest cell fits */
  fitHost: boolean;
  /** the backend can give replicas a GPU share; without, a study plans its GPU cells as skipped (PlannedCell.skip) */
  gpu: boolean;
  /** whether a file exists (models that are measured only when installed) */
  fileExists: (path: string) => boolean;
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
  /** a rough duration of deploying `cell`'s shape, seconds @default plan.ts DEPLOY_S */
  estimateDeployS?(config: StudyConfig, cell: PlannedCell): number;
  /**
   * The model files the config names that must exist, each with the config key naming it; prepare
   * checks them before anything starts, also when the config is otherwise invalid (so `config` is
   * the merged, unvalidated object then).
   */
  modelFiles(config: unknown): [file: string, key: string][];
  /** the study's part of the plan's text (--dry-run and the head of every run): its settings and a table of its cells */
  planLines(plan: Plan): string[];
  /** trials → result files (pure); called after every trial and once at the end */
  analyse(plan: Plan, trials: readonly TrialResult[], meta: { limitsEnforced: boolean; createdAt: string }): ResultFiles;
  /** the answer in one line, for the end of a run ("max users 1×cluster 30 (1 trial), …") */
  summarize(plan: Plan, trials: readonly TrialResult[]): string;
}
