/**
 * The resources study's run, validated, as the numbers its section shows:
 * plan.json and the trials through the very functions that wrote the
 * result files (experiments/analyse/resources-*), so the report and the
 * CSVs cannot disagree.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { analysisRows, optimalConfigurations, type AnalysisRow, type TaskModelChoices } from '../../../experiments/analyse/resources-choice.js';
import { resourceObservations } from '../../../experiments/analyse/resources-observations.js';
import { resourceRows, type ResourceRow } from '../../../experiments/analyse/resources-rows.js';
import { Plan } from '../../../experiments/plan/plan.js';
import { isWorkloadTrial, TrialResult } from '../../../experiments/record/schema.js';
import { readJson, RunFileError, type RunFiles } from '../../run-files.js';

/** The four files the study writes; the appendix links those present. */
export const RESULT_FILES = ['experiment_results.csv', 'experiment_analysis.csv', 'experiment_summary.json', 'optimal_configurations.json'] as const;

export interface ResourcesRun {
  plan: Plan;
  rows: ResourceRow[];
  analysed: AnalysisRow[];
  optimal: TaskModelChoices[];
  observations: string[];
  limitsEnforced: boolean;
  /** the result files found beside the trials */
  files: string[];
}

export function loadResourcesRun(files: RunFiles): ResourcesRun {
  const { runDir, warnings } = files;
  const planPath = join(runDir, 'plan.json');
  if (!existsSync(planPath)) throw new RunFileError(planPath, 'not found; is this a finished run directory?');
  const plan = readJson(planPath, Plan);
  const dir = join(runDir, 'trials');
  const trials = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')).sort().map((f) => readJson(join(dir, f), TrialResult)) : [];
  const workload = trials.filter(isWorkloadTrial);
  if (workload.length === 0) throw new RunFileError(dir, 'has no workload trials; nothing to report');
  const limitsEnforced = workload.every((t) => t.limitsEnforced) && files.environment?.limitsEnforced !== false;
  const rows = resourceRows(plan.cells, workload, limitsEnforced, plan.hostCores);
  const analysed = analysisRows(rows, plan.config.resources);
  const present = RESULT_FILES.filter((f) => existsSync(join(runDir, f)));
  for (const f of RESULT_FILES.filter((x) => !present.includes(x))) warnings.push(`${f} not found; the appendix cannot link it`);
  return {
    plan,
    rows,
    analysed,
    optimal: optimalConfigurations(analysed, plan.config.resources.objective),
    observations: resourceObservations(rows, { hostCores: plan.hostCores, loadGenCpu: plan.config.loadGenerator.cpu, backend: plan.backend, limitsEnforced }),
    limitsEnforced,
    files: present,
  };
}
