/**
 * Duration guesses for the plan's estimate (pure). Only the estimate uses
 * them: once trials end, the progress line replaces them with measured
 * trial times.
 */
import type { StudyConfig } from './config.js';

/** Process start and result hand-over of one load job, seconds. */
const JOB_OVERHEAD_S = 1.5;
/**
 * How much of the allowed extension past holdS a hold uses on average: most
 * end steady right after holdS and failing ones end early (the full matrix
 * here: 286 holds of 10-30 s averaged 10.4 s).
 */
const EXTENSION_SHARE = 0.1;
/**
 * Planning guesses (only the estimate uses them; the progress line replaces
 * them with measured trial times once trials end): max users per replica, and
 * how long a level's in-flight requests take to drain after its hold. A pose
 * replica serves about 1.5 images/s at 0.5 CPU, so its users mostly wait in
 * the queue: a similar count (measured 16-20 on one replica), seconds of drain.
 */
const GUESS_USERS_PER_REPLICA: Record<StudyConfig['task'], number> = { detection: 24, pose: 16 };
const DRAIN_S: Record<StudyConfig['task'], number> = { detection: 0, pose: 5 };

/** One max-users trial (search or ramp) of a cell with `replicas` replicas, seconds. */
export function estimateMaxUsersTrialS(config: StudyConfig, replicas: number): number {
  const guess = Math.min(config.search.upperBound, GUESS_USERS_PER_REPLICA[config.task] * replicas * (config.thinkS[1] > 0 ? 2 : 1));
  const holdS = config.search.holdS + EXTENSION_SHARE * (config.search.maxHoldS - config.search.holdS) + JOB_OVERHEAD_S + DRAIN_S[config.task];
  if (config.strategy === 'ramp') return guess * config.ramp.stepS + JOB_OVERHEAD_S + holdS;
  const bracket = Math.ceil(Math.log2(Math.max(2, guess / config.search.startUsers))) + 1;
  const bisect = Math.ceil(Math.log2(Math.max(2, guess / 2 / Math.max(1, guess * config.search.resolution))));
  return (bracket + bisect + 1) * holdS;
}
