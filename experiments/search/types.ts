/**
 * The max-users strategies see the system only through a Probe, so the same
 * code runs against the real load worker and against the queueing simulator.
 */
import type { Step } from '../contracts/domain.js';

export interface Probe {
  /** hold `users` concurrent users until steady (hold rule); one Step */
  hold(users: number): Promise<Step>;
  /** add one user per step from `from` to `to`, keeping the users; ends at the first failing step; the Steps passed through */
  ramp(from: number, to: number): Promise<Step[]>;
}

export interface SearchSettings {
  /** first level the search probes @default 1 */
  startUsers: number;
  /** never probe above this; reaching it passing ends with decidedBy 'upper-bound' */
  upperBound: number;
  /** bisection ends when hi − lo ≤ max(1, lo × resolution); 0 = exact to one user */
  resolution: number;
  /** confirming holds that may fail before the trial gives up @default 3 */
  confirmRetries: number;
}

export type DecidedBy = 'failure' | 'unsteady' | 'latency-objective' | 'upper-bound';

export interface SearchOutcome {
  maxUsers: number;
  decidedBy: DecidedBy;
  /** every level measured, in order */
  steps: Step[];
  /** index into steps of the passing hold at maxUsers */
  confirmStep: number;
  /** false when no confirming hold passed within confirmRetries */
  confirmed: boolean;
}

export type StrategyName = 'search' | 'ramp';
export type Strategy = (probe: Probe, settings: SearchSettings) => Promise<SearchOutcome>;
