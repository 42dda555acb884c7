/** The binding study's result files: experiment_results.json, the trials and experiment_summary.csv, validated and cross-checked. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bindingCsv } from '../../../experiments/analyse/binding-csv.js';
import { BindingResults } from '../../../experiments/analyse/binding-results.js';
import { isJctTrial, type JctTrial } from '../../../experiments/record/schema.js';
import { readJson, readTrials, RunFileError, type RunFiles } from '../../run-files.js';

export interface BindingRun extends RunFiles {
  results: BindingResults;
  trials: JctTrial[];
  hasSummary: boolean;
}

export function loadBindingRun(files: RunFiles): BindingRun {
  const { runDir, warnings } = files;
  const resultsPath = join(runDir, 'experiment_results.json');
  if (!existsSync(resultsPath)) throw new RunFileError(resultsPath, 'not found; is this a finished run directory?');
  const results = readJson(resultsPath, BindingResults);
  if (results.cells.every((c) => c.trials === 0)) throw new RunFileError(resultsPath, 'has no measured cell; nothing to report');
  const trials = readTrials(runDir).filter(isJctTrial).filter((t) => t.valid);
  if (trials.length === 0) warnings.push('no valid trials/*.json; the JCT distribution figure is omitted');
  const csvPath = join(runDir, 'experiment_summary.csv');
  const hasSummary = existsSync(csvPath);
  if (!hasSummary) warnings.push('experiment_summary.csv not found; the appendix cannot link it');
  // the CSV is written from the same results: anything else means one of them was edited or is stale
  else if (readFileSync(csvPath, 'utf8') !== bindingCsv(results.cells.filter((c) => c.trials > 0))) {
    warnings.push('experiment_summary.csv does not match experiment_results.json (edited, or from another analysis)');
  }
  return { ...files, results, trials, hasSummary };
}
