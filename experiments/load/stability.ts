/**
 * When a held level may end. Pure, so the worker and the simulator decide
 * exactly alike. The rule follows perf_analyzer's: only the last three
 * windows count, and a level with an empty window is never steady.
 */

/** Throughput of the last three `windowS`-second windows varies less than `tolerance` (max−min relative to the mean). */
export function isSteady(perSecondRequests: readonly number[], windowS: number, tolerance: number): boolean {
  const w = Math.max(1, Math.round(windowS));
  if (perSecondRequests.length < 3 * w) return false;
  const tail = perSecondRequests.slice(perSecondRequests.length - 3 * w);
  const windows = [0, 1, 2].map((i) => tail.slice(i * w, (i + 1) * w).reduce((a, b) => a + b, 0));
  const min = Math.min(...windows);
  const max = Math.max(...windows);
  if (min === 0) return false;
  const mean = windows.reduce((a, b) => a + b, 0) / windows.length;
  return (max - min) / mean < tolerance;
}

export interface HoldRule {
  holdS: number;
  maxHoldS: number;
  minRequests: number;
  windowS: number;
  stableTolerance: number;
}

export interface HoldState {
  /** seconds held so far */
  elapsedS: number;
  /** requests answered (success or failure) so far */
  answered: number;
  /** requests answered in each whole second so far */
  perSecondRequests: readonly number[];
}

export function holdIsDone(rule: HoldRule, state: HoldState): boolean {
  if (state.elapsedS >= rule.maxHoldS) return true;
  if (state.elapsedS < rule.holdS || state.answered < rule.minRequests) return false;
  // A hold with no extension allowed ends at holdS whatever its throughput does.
  return rule.maxHoldS <= rule.holdS || isSteady(state.perSecondRequests, rule.windowS, rule.stableTolerance);
}
