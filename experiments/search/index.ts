/** Max-users strategies by name. */
import { searchMaxUsers } from './bisect.js';
import { rampMaxUsers } from './ramp.js';
import type { Strategy, StrategyName } from './types.js';

export const MAX_USERS_STRATEGIES: Record<StrategyName, Strategy> = {
  search: searchMaxUsers,
  ramp: rampMaxUsers,
};

export type { Probe, SearchOutcome, SearchSettings, Strategy, StrategyName } from './types.js';
