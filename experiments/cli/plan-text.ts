/** The plan as a person reads it: for --dry-run and the head of every run. Pure. */
import { failureBound } from '../analyse/stats.js';
import { describeJctTrial } from '../engine/jct-text.js';
import { describeWorkloadTrial } from '../engine/workload-text.js';
import type { Plan } from '../plan/plan.js';
import type { MaxUsersTrial, TrialResult } from '../record/schema.js';
import { STUDIES } from '../studies/index.js';
import { formatDuration } from './progress-line.js';

export { failureBound };

function describeMaxUsersTrial(t: MaxUsersTrial): string {
  const confirm = t.steps[t.confirmStep];
  const evidence = confirm ? `confirming hold ${confirm.requests} requests, ${confirm.requests - confirm.successes} failed, failure rate < ${failureBound(confirm.requests)} at 95 %` : 'no confirming hold';
  return `${t.id}: max ${t.maxUsers} users, decided by ${t.decidedBy}; ${evidence}; ${t.steps.length} levels`;
}

/** One line per finished trial: the answer and the evidence it rests on. */
export function formatTrial(t: TrialResult): string {
  const verdict = t.valid ? '' : ` INVALID (${t.invalidReason ?? 'unknown'})`;
  const text = t.question === 'max-users' ? describeMaxUsersTrial(t) : t.question === 'workload' ? describeWorkloadTrial(t) : describeJctTrial(t);
  return `${text}${verdict}`;
}

export function formatPlan(plan: Plan, images: { dir: string; count: number }): string {
  const c = plan.config;
  const skipped = plan.cells.filter((cell) => cell.skip !== undefined).length;
  const lines = [
    `run ${plan.runId}  backend ${plan.backend}${plan.profile ? `  profile ${plan.profile}` : ''}  study ${plan.study}  task ${[...new Set(plan.cells.map((cell) => cell.deployment.task))].join(', ') || plan.task}`,
    `images ${images.count} from ${images.dir}`,
    ...STUDIES[plan.study].planLines(plan),
    '',
    `${plan.trials.length} trials planned${c.trials.max > c.trials.min ? ` (more, up to ${c.trials.max} per cell, until the 95 % CI of its answer is within ±${Math.round(c.trials.ciHalfWidth * 100)} %)` : ''}${skipped > 0 ? `, ${skipped} cell${skipped === 1 ? '' : 's'} skipped` : ''}, estimated ${formatDuration(plan.estimateS)}`,
  ];
  for (const w of plan.warnings) lines.push(`WARNING ${w}`);
  return lines.join('\n');
}
