/**
 * The second answer a user accepts beside the assignment's: max users whose
 * held levels stay steady, lose no request and keep p95 within the latency
 * objective. It is read off the levels the headline search already held,
 * and only where the gap between the best such level and the first one
 * above it is wider than the resolution are extra holds made (bisection
 * with the objective as part of the rule). Pure over a Probe.
 */
import type { Step } from '../contracts/domain.js';
import { converged } from './bisect.js';
import type { Probe } from './types.js';

export interface ObjectiveOutcome {
  maxUsers: number;
  /** the hold at maxUsers: an index into `steps` (the given ones, then the extra ones); null when none passed */
  confirmIndex: number | null;
  /** the extra holds, in order */
  extra: Step[];
}

const within = (s: Step, objectiveMs: number) => s.steady !== undefined && s.passed && s.latencyMs.p95 <= objectiveMs;
// a passing ramp step (one second, not judged) says nothing about the objective either way
const fails = (s: Step, objectiveMs: number) => !s.passed || (s.steady !== undefined && s.latencyMs.p95 > objectiveMs);

/** `headline`: the assignment's answer; the objective only adds a condition, so its answer is never above it. */
export async function objectiveMaxUsers(steps: readonly Step[], objectiveMs: number, probe: Probe, resolution: number, headline: number): Promise<ObjectiveOutcome> {
  const all = [...steps];
  const extra: Step[] = [];
  const best = () => {
    let index: number | null = null;
    for (const [i, s] of all.entries()) if (s.users <= headline && within(s, objectiveMs) && (index === null || s.users > all[index]!.users)) index = i;
    return index;
  };
  let bestIndex = best();
  let lo = bestIndex === null ? 0 : all[bestIndex]!.users;
  const above = all.filter((s) => s.users > lo && (s.users > headline || fails(s, objectiveMs))).map((s) => s.users);
  let hi = above.length > 0 ? Math.min(...above) : undefined;
  while (hi !== undefined && !converged(lo, hi, resolution)) {
    const mid = Math.floor((lo + hi) / 2);
    if (mid <= lo) break;
    const step = await probe.hold(mid);
    extra.push(step);
    all.push(step);
    if (within(step, objectiveMs)) {
      lo = mid;
      bestIndex = all.length - 1;
    } else hi = mid;
  }
  return { maxUsers: lo, confirmIndex: lo > 0 ? bestIndex : null, extra };
}
