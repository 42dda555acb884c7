/**
 * When a held level may end. Pure, so the worker and the simulator decide
 * exactly alike. The rule follows perf_analyzer's: only the last three
 * windows count, and a level with an empty window is never steady.
 *
 * At the assignment's think time a replica answers a handful of requests a
 * second, and counting noise alone (about 1/sqrt(n) per window) is far wider
 * than 10 %: a fixed tolerance then never holds and every level runs to
 * maxHoldS. So three windows also count as steady when their spread is what
 * counting noise explains: the index of dispersion sum((c - mean)^2) / mean
 * is chi-square with 2 degrees of freedom for a constant rate, and a drift
 * shows up above its 95th percentile.
 */

import type { SteadyVerdictName } from './steady-state.js';

/** 95th percentile of chi-square with 2 degrees of freedom (three windows). */
const DISPERSION_LIMIT = 5.991;

/** The last three `windowS`-second windows vary less than `tolerance` (max−min over mean), or no more than counting noise. */
export function isSteady(perSecondRequests: readonly number[], windowS: number, tolerance: number): boolean {
  const w = Math.max(1, Math.round(windowS));
  if (perSecondRequests.length < 3 * w) return false;
  const tail = perSecondRequests.slice(perSecondRequests.length - 3 * w);
  const windows = [0, 1, 2].map((i) => tail.slice(i * w, (i + 1) * w).reduce((a, b) => a + b, 0));
  const min = Math.min(...windows);
  const max = Math.max(...windows);
  if (min === 0) return false;
  const mean = windows.reduce((a, b) => a + b, 0) / windows.length;
  if ((max - min) / mean < tolerance) return true;
  return windows.reduce((sum, c) => sum + (c - mean) ** 2, 0) / mean <= DISPERSION_LIMIT;
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
  /** a judged level: its steady-state verdict so far (steady-state.ts); it may end only when 'steady' */
  steady?: SteadyVerdictName;
  /** requests answered (success or failure) so far */
  answered: number;
  /** requests answered in each whole second so far */
  perSecondRequests: readonly number[];
}

export function holdIsDone(rule: HoldRule, state: HoldState): boolean {
  if (state.elapsedS >= rule.maxHoldS) return true;
  if (state.elapsedS < rule.holdS || state.answered < rule.minRequests) return false;
  if (state.steady !== undefined && state.steady !== 'steady') return false;
  // A hold with no extension allowed ends at holdS whatever its throughput does.
  return rule.maxHoldS <= rule.holdS || isSteady(state.perSecondRequests, rule.windowS, rule.stableTolerance);
}
