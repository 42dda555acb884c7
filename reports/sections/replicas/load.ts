/** The replicas study's result files: experiment_results.json, the trials and experiment_summary.csv, validated. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Results } from '../../../experiments/record/schema.js';
import { readJson, readTrials, RunFileError, type RunFiles } from '../../run-files.js';
import { parseSummaryCsv, type RunInput } from './data.js';

export function loadReplicasRun(files: RunFiles): RunInput {
  const { runDir, warnings } = files;
  const resultsPath = join(runDir, 'experiment_results.json');
  if (!existsSync(resultsPath)) throw new RunFileError(resultsPath, 'not found; is this a finished run directory?');
  const results = readJson(resultsPath, Results);
  if (results.cells.length === 0) throw new RunFileError(resultsPath, 'has no cells; nothing to report');
  const trials = readTrials(runDir);
  if (trials.length === 0) warnings.push('no trials/*.json; the latency-vs-users figure is omitted');
  const csvPath = join(runDir, 'experiment_summary.csv');
  let summaryRows: RunInput['summaryRows'] = null;
  if (existsSync(csvPath)) {
    try {
      summaryRows = parseSummaryCsv(readFileSync(csvPath, 'utf8'));
    } catch (err) {
      throw new RunFileError(csvPath, (err as Error).message.replace(/^experiment_summary\.csv: /, ''));
    }
  } else {
    warnings.push('experiment_summary.csv not found; the appendix cannot link it');
  }
  return { ...files, results, trials, summaryRows };
}
