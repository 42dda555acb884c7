/**
 * `search` (default): bracket exponentially from startUsers (1, 2, 4, …)
 * until a hold fails, then `refine`: bisect between the last pass and the
 * first failure and hold at the answer once more to confirm it, as the
 * assignment asks. A failed confirmation is a new failure point and the
 * bisection resumes below it.
 */
import { failureCause } from '../load/step-builder.js';
import { StepLog } from './step-log.js';
import type { DecidedBy, Probe, SearchOutcome, SearchSettings } from './types.js';

export function converged(lo: number, hi: number, resolution: number): boolean {
  return hi - lo <= Math.max(1, Math.floor(lo * resolution));
}

/**
 * Bisect between the highest of `passes` and `hi` (undefined: nothing failed),
 * then confirm. Shared by both strategies so their answers are judged alike.
 */
export async function refine(
  log: StepLog,
  passes: number[],
  failedAt: number | undefined,
  cause: DecidedBy,
  settings: SearchSettings,
): Promise<SearchOutcome> {
  let hi = failedAt;
  let decidedBy = cause;
  for (let attempt = 0; ; attempt += 1) {
    let lo = Math.max(0, ...passes);
    while (hi !== undefined && !converged(lo, hi, settings.resolution)) {
      const mid = Math.floor((lo + hi) / 2);
      const { step } = await log.hold(mid);
      if (step.passed) {
        passes.push(mid);
        lo = mid;
      } else {
        hi = mid;
        decidedBy = failureCause(step);
      }
    }
    if (lo === 0) return { maxUsers: 0, decidedBy, steps: log.steps, confirmStep: 0, confirmed: false };
    const confirm = await log.hold(lo);
    const outcome = { maxUsers: lo, decidedBy, steps: log.steps, confirmStep: confirm.index };
    if (confirm.step.passed) return { ...outcome, confirmed: true };
    if (attempt + 1 >= settings.confirmRetries) return { ...outcome, confirmed: false };
    hi = lo;
    decidedBy = failureCause(confirm.step);
    passes.splice(0, passes.length, ...passes.filter((p) => p < lo));
  }
}

export async function searchMaxUsers(probe: Probe, settings: SearchSettings): Promise<SearchOutcome> {
  const log = new StepLog(probe);
  const passes: number[] = [];
  for (let users = Math.max(1, Math.min(settings.startUsers, settings.upperBound)); ; ) {
    const { step } = await log.hold(users);
    if (!step.passed) return refine(log, passes, users, failureCause(step), settings);
    passes.push(users);
    if (users >= settings.upperBound) return refine(log, passes, undefined, 'upper-bound', settings);
    users = Math.min(settings.upperBound, users * 2);
  }
}
