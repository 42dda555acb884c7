/** The study's result files from the trials on disk, each written atomically. */
import type { Plan } from '../plan/plan.js';
import type { TrialResult } from '../record/schema.js';
import { writeAtomic, type RunStore } from '../record/store.js';
import { STUDIES } from '../studies/index.js';

export async function writeResults(store: RunStore, plan: Plan, limitsEnforced: boolean, trials?: readonly TrialResult[]): Promise<void> {
  const all = trials ?? (await store.readTrials());
  const files = STUDIES[plan.study].analyse(plan, all, { limitsEnforced, createdAt: new Date().toISOString() });
  for (const [name, text] of Object.entries(files)) await writeAtomic(store.path(name), text);
}
