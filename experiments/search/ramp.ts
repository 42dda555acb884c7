/**
 * `ramp`, the assignment's method: add one user per second until the first
 * failed request; max users = users at that moment − 1; then hold at max to
 * confirm 100 % success. When the confirming hold fails (a 1 s step is too
 * short to see a queue fill), the answer is refined below it exactly as
 * `search` does, so both strategies judge a level by the same hold.
 */
import { failureCause } from '../load/step-builder.js';
import { refine } from './bisect.js';
import { StepLog } from './step-log.js';
import type { Probe, SearchOutcome, SearchSettings } from './types.js';

export async function rampMaxUsers(probe: Probe, settings: SearchSettings): Promise<SearchOutcome> {
  const log = new StepLog(probe);
  const passed = await log.ramp(1, settings.upperBound);
  const last = passed[passed.length - 1];
  if (last?.passed) {
    const { index } = await log.hold(settings.upperBound);
    const confirmed = log.steps[index]?.passed === true;
    if (confirmed) return { maxUsers: settings.upperBound, decidedBy: 'upper-bound', steps: log.steps, confirmStep: index, confirmed };
    return refine(log, [], settings.upperBound, failureCause(log.steps[index]!), settings);
  }
  const failedAt = last?.users ?? 1;
  const candidate = failedAt - 1;
  if (candidate === 0) return { maxUsers: 0, decidedBy: last ? failureCause(last) : 'failure', steps: log.steps, confirmStep: 0, confirmed: false };
  const confirm = await log.hold(candidate);
  if (confirm.step.passed) {
    return { maxUsers: candidate, decidedBy: failureCause(last!), steps: log.steps, confirmStep: confirm.index, confirmed: true };
  }
  return refine(log, [], candidate, failureCause(confirm.step), { ...settings, confirmRetries: settings.confirmRetries - 1 });
}
