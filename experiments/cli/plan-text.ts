/** The plan as a person reads it: for --dry-run and the head of every run. Pure. */
import type { Plan } from '../plan/plan.js';
import type { TrialResult } from '../record/schema.js';
import { formatDuration } from './progress-line.js';

/** Rule of three: with 0 failures in n requests, the failure rate is below 3/n at 95 % confidence. */
export function failureBound(n: number): string {
  return n > 0 ? `${((300 / n) >= 10 ? (300 / n).toFixed(0) : (300 / n).toFixed(1))} %` : 'unbounded';
}

/** One line per finished trial: the answer and how much evidence its confirming hold carries. */
export function formatTrial(t: TrialResult): string {
  const confirm = t.steps[t.confirmStep];
  const evidence = confirm ? `confirming hold ${confirm.requests} requests, ${confirm.requests - confirm.successes} failed, failure rate < ${failureBound(confirm.requests)} at 95 %` : 'no confirming hold';
  const verdict = t.valid ? '' : ` INVALID (${t.invalidReason ?? 'unknown'})`;
  return `${t.id}: max ${t.maxUsers} users, decided by ${t.decidedBy}; ${evidence}; ${t.steps.length} levels${verdict}`;
}

export function formatPlan(plan: Plan, images: { dir: string; count: number }): string {
  const c = plan.config;
  const lines = [
    `run ${plan.runId}  backend ${plan.backend}${plan.profile ? `  profile ${plan.profile}` : ''}  task ${plan.task}`,
    `strategy ${c.strategy}  think ${c.thinkS[0]}-${c.thinkS[1]} s  timeout ${c.failure.timeoutMs} ms${c.failure.p95ObjectiveMs ? `  p95 objective ${c.failure.p95ObjectiveMs} ms` : ''}`,
    `holds ${c.search.holdS}-${c.search.maxHoldS} s${c.search.minRequests > 0 ? `, ≥ ${c.search.minRequests} requests each (0 failures in ${c.search.minRequests} requests: failure rate below ${failureBound(c.search.minRequests)} at 95 %)` : ''}`,
    `images ${images.count} from ${images.dir}`,
    `replica ${plan.replicaCpu} CPU${plan.fittedToHost ? ` (fitted from ${c.replica.cpu})` : ''} / ${c.replica.memoryMi} MiB; load generator ${c.loadGenerator.cpu} CPU; host ${plan.hostCores} cores`,
    '',
    'cell                   trials   CPU demand   capacity',
    ...plan.cells.map((cell) => {
      const name = `${cell.replicas} replica${cell.replicas === 1 ? '' : 's'} × ${cell.location}`.padEnd(22);
      const trials = `${c.trials.min}${c.trials.max > c.trials.min ? `-${c.trials.max}` : ''}`.padEnd(8);
      return `${name} ${trials} ${cell.cpuDemand.toFixed(2).padStart(10)}   ${cell.capacityBound ? 'OVER HOST CORES' : 'fits'}`;
    }),
    '',
    `${plan.trials.length} trials planned (more, up to ${c.trials.max} per cell, until the 95 % CI of its max users is within ±${Math.round(c.trials.ciHalfWidth * 100)} %), estimated ${formatDuration(plan.estimateS)}`,
  ];
  for (const w of plan.warnings) lines.push(`WARNING ${w}`);
  return lines.join('\n');
}
