/** experiment_results.json + experiment_summary.csv from the trials on disk, written atomically. */
import { aggregateResults } from '../analyse/aggregate.js';
import { summaryCsv } from '../analyse/csv.js';
import type { Plan } from '../plan/plan.js';
import { Results, type TrialResult } from '../record/schema.js';
import { writeAtomic, writeJson, type RunStore } from '../record/store.js';

export async function writeAnalysis(store: RunStore, plan: Plan, limitsEnforced: boolean, trials?: readonly TrialResult[]): Promise<Results> {
  const all = trials ?? (await store.readTrials());
  const results = Results.parse(
    aggregateResults(
      {
        runId: plan.runId,
        task: plan.task,
        createdAt: new Date().toISOString(),
        backend: plan.backend,
        cpuPerReplica: plan.replicaCpu,
        memoryPerReplicaMi: plan.config.replica.memoryMi,
        limitsEnforced,
      },
      plan.cells,
      all,
    ),
  );
  await writeJson(store.path('experiment_results.json'), results);
  await writeAtomic(store.path('experiment_summary.csv'), summaryCsv(results.cells));
  return results;
}
