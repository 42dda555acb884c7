/**
 * Load-balancing policies over the ready replicas. Pure: the caller owns the
 * in-flight counts, so each policy is a plain function of the pool.
 */

import type { BalancerPolicy } from '../../contracts/deployment.js';

export interface PoolMember {
  name: string;
  inFlight: number;
}

export type Picker = <T extends PoolMember>(pool: readonly T[]) => T | undefined;

export function createPicker(policy: BalancerPolicy, random: () => number = Math.random): Picker {
  let next = 0;
  const roundRobin = <T extends PoolMember>(pool: readonly T[]): T | undefined => {
    if (pool.length === 0) return undefined;
    const chosen = pool[next % pool.length];
    next = (next + 1) % pool.length;
    return chosen;
  };
  switch (policy) {
    case 'round-robin':
      return roundRobin;
    case 'random':
      return (pool) => pool[Math.floor(random() * pool.length)];
    case 'least-connections':
      // Ties go round-robin, otherwise an idle pool would send everything to the first replica.
      return (pool) => {
        if (pool.length === 0) return undefined;
        const least = Math.min(...pool.map((m) => m.inFlight));
        return roundRobin(pool.filter((m) => m.inFlight === least));
      };
  }
}
