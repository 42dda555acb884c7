/**
 * What limited a cell, named from measured counters, never guessed. Pure.
 * Precedence: an invalid trial whose generator was saturated
 * (`load-generator`), then `network`, `host-cpu`, `replicas`, `timeout`;
 * `none` when the search reached its upper bound without failing.
 *
 * - network: the client path carried ≥ 80 % of its bandwidth, or requests
 *   timed out with no 503 while the replicas were below their quota
 *   (the time went somewhere outside them);
 * - host-cpu: the replicas were not held back by their own quota (under
 *   half of their CFS periods throttled) while the host was: the cell asks
 *   for more cores than the host has and the replicas used most of them, or
 *   the host's CPU was ≥ 90 % busy (whatever else ran on it);
 * - replicas: their quota was saturated (half or more of their CFS periods
 *   throttled, or 90 % of their quota used) or their queues answered 503;
 * - timeout: anything else that timed out;
 * - unknown: the level above failed in a way no counter explains (said so, never guessed).
 */
import type { LimitedBy, Step } from '../contracts/domain.js';
import type { MaxUsersTrial } from '../record/schema.js';

export interface LimitInput {
  trials: readonly MaxUsersTrial[];
  replicas: number;
  replicaCpu: number;
  hostCores: number;
  capacityBound: boolean;
  /** the load generator's planned CPU and the share of it that makes a trial generator-bound */
  loadGen: { cpu: number; bottleneckShare: number };
}

export interface LimitFinding {
  limitedBy: LimitedBy;
  /** the measured numbers behind it, in a sentence */
  evidence: string;
}

const LINK_SHARE = 0.8;
/** A replica throttled in this share of its CFS periods, or using this share of its quota, is bound by its quota (resources-observations.ts too). */
export const THROTTLED = 0.5;
export const QUOTA_USED = 0.9;
const HOST_USED = 0.75;
const HOST_BUSY = 0.9;

/** The first level above the answer that failed: what the search ran into. */
function failingAbove(t: MaxUsersTrial): Step | undefined {
  return t.steps.filter((s) => !s.passed && s.users > t.maxUsers).sort((a, b) => a.users - b.users)[0];
}

const mbit = (bytesPerS: number) => (bytesPerS * 8) / 1e6;

/**
 * A full link measured over a short window can read above the capacity the
 * path probe measured: the window counts whole requests of ~170 KB each, so
 * its rate carries a counting error of about 1/√(completions). Said so,
 * rather than printing a utilisation above 1 as if it were one.
 */
function linkEvidence(step: Step, bandwidth: number): string {
  const carried = mbit(step.bytesPerS);
  if (carried <= bandwidth) return `the client path carried ${carried.toFixed(1)} of its ${bandwidth.toFixed(1)} Mbit/s`;
  const completions = step.steady?.completions ?? step.requests;
  const noise = completions > 0 ? 1 / Math.sqrt(completions) : 1;
  const over = carried / bandwidth - 1;
  const window = step.steady ? `${step.steady.spanS} s` : `${step.durationS.toFixed(1)} s`;
  const reading = over <= 2 * noise
    ? `the link was full, the ${(over * 100).toFixed(0)} % excess being within the ±${(noise * 100).toFixed(0)} % counting error of ${completions} requests in ${window}`
    : `more than the path probe measured and the ±${(noise * 100).toFixed(0)} % counting error of ${completions} requests in ${window} allow, so the probe under-read the link`;
  return `the client path carried ${carried.toFixed(1)} Mbit/s at ${step.users} users against its measured ${bandwidth.toFixed(1)} Mbit/s: ${reading}`;
}

export function limitOf(input: LimitInput): LimitFinding {
  const limit = input.loadGen.cpu * input.loadGen.bottleneckShare;
  const hot = input.trials.flatMap((t) => t.steps).find((s) => s.loadGenCpu > limit);
  if (hot) return { limitedBy: 'load-generator', evidence: `the load generator used ${hot.loadGenCpu.toFixed(2)} of its ${input.loadGen.cpu} cores at ${hot.users} users` };
  const valid = input.trials.filter((t) => t.valid);
  if (valid.length === 0) return { limitedBy: 'timeout', evidence: 'no valid trial' };
  if (valid.every((t) => t.decidedBy === 'upper-bound')) return { limitedBy: 'none', evidence: 'the search reached its upper bound without a failure' };

  const decisive = valid.flatMap((t) => [t.steps[t.confirmStep], failingAbove(t)]).filter((s): s is Step => s !== undefined);
  const failing = valid.map(failingAbove).filter((s): s is Step => s !== undefined);
  const bandwidth = valid[0]!.network.bandwidthMbit;
  const usages = decisive.flatMap((s) => (s.replicaUsage && s.replicaUsage.seconds > 0 ? [s.replicaUsage] : []));
  const throttled = Math.max(0, ...usages.map((u) => u.throttledShare));
  const coresUsed = Math.max(0, ...usages.map((u) => u.cpuSeconds / u.seconds));
  const quota = input.replicas * input.replicaCpu;
  const timeouts = failing.reduce((n, s) => n + s.errors.timeout, 0);
  const refused = failing.reduce((n, s) => n + s.errors.status, 0);

  const busiest = decisive.reduce<Step | undefined>((top, s) => (top === undefined || s.bytesPerS > top.bytesPerS ? s : top), undefined);
  if (bandwidth !== null && busiest !== undefined && mbit(busiest.bytesPerS) >= LINK_SHARE * bandwidth) {
    return { limitedBy: 'network', evidence: linkEvidence(busiest, bandwidth) };
  }
  const belowQuota = usages.length > 0 && throttled < THROTTLED && coresUsed < QUOTA_USED * quota;
  if (timeouts > 0 && refused === 0 && belowQuota) {
    return { limitedBy: 'network', evidence: `${timeouts} requests timed out with no 503 while the replicas used ${coresUsed.toFixed(2)} of their ${quota.toFixed(2)} cores` };
  }
  const hostBusy = Math.max(0, ...usages.map((u) => u.hostBusyShare ?? 0));
  const hostShort = (input.capacityBound && coresUsed >= HOST_USED * Math.min(quota, input.hostCores)) || hostBusy >= HOST_BUSY;
  if (usages.length > 0 && throttled < THROTTLED && hostShort) {
    const busy = hostBusy > 0 ? `, the host's CPU ${(hostBusy * 100).toFixed(0)} % busy` : '';
    return { limitedBy: 'host-cpu', evidence: `the replicas used ${coresUsed.toFixed(2)} of the host's ${input.hostCores} cores${busy}, and were throttled in only ${(throttled * 100).toFixed(0)} % of their CFS periods` };
  }
  if (usages.length > 0 && (throttled >= THROTTLED || coresUsed >= QUOTA_USED * quota)) {
    return { limitedBy: 'replicas', evidence: `the replicas used ${coresUsed.toFixed(2)} of their ${quota.toFixed(2)}-core quota, throttled in ${(throttled * 100).toFixed(0)} % of their CFS periods${refused > 0 ? `, and refused ${refused} requests with 503` : ''}` };
  }
  if (refused > 0) return { limitedBy: 'replicas', evidence: `the replicas' queues refused ${refused} requests with 503` };
  if (timeouts > 0) return { limitedBy: 'timeout', evidence: `${timeouts} requests timed out` };
  const unsteady = failing.filter((s) => s.steady && s.steady.verdict !== 'steady').length;
  return { limitedBy: 'unknown', evidence: unsteady > 0 ? `the level above never reached steady state (${unsteady} of ${failing.length} trials), and no counter shows which resource` : 'no measured counter shows which resource' };
}
