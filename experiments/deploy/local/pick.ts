/**
 * Load-balancing policies over the ready replicas. Pure: the caller owns the
 * in-flight counts, so each policy is a plain function of the pool.
 *
 * An early policy (createPicker) always names a replica: the request is
 * bound to it on arrival and waits there. A late policy's chooser
 * (createSlotChooser) names only a replica with a free slot, or none: the
 * request then waits in the balancer's central queue (central-queue.ts).
 */

import type { EarlyPolicy, LatePolicy } from '../../contracts/deployment.js';

export interface PoolMember {
  name: string;
  inFlight: number;
}

export type Picker = <T extends PoolMember>(pool: readonly T[]) => T | undefined;

function roundRobin(): Picker {
  let next = 0;
  return <T extends PoolMember>(pool: readonly T[]): T | undefined => {
    if (pool.length === 0) return undefined;
    const chosen = pool[next % pool.length];
    next = (next + 1) % pool.length;
    return chosen;
  };
}

/** The members with the fewest in flight, ties spread round-robin (otherwise an idle pool sends everything to the first). */
function leastLoaded(): Picker {
  const ties = roundRobin();
  return (pool) => {
    if (pool.length === 0) return undefined;
    const least = Math.min(...pool.map((m) => m.inFlight));
    return ties(pool.filter((m) => m.inFlight === least));
  };
}

export function createPicker(policy: EarlyPolicy, random: () => number = Math.random): Picker {
  switch (policy) {
    case 'round-robin':
      return roundRobin();
    case 'random':
      return (pool) => pool[Math.floor(random() * pool.length)];
    case 'least-connections':
      return leastLoaded();
    case 'random-choice-2':
      // Two distinct members at random, the less loaded wins (the first drawn on a tie), as Knative's activator does for containerConcurrency 0.
      return (pool) => {
        if (pool.length < 2) return pool[0];
        const a = Math.floor(random() * pool.length);
        const b = (a + 1 + Math.floor(random() * (pool.length - 1))) % pool.length;
        return pool[b]!.inFlight < pool[a]!.inFlight ? pool[b] : pool[a];
      };
  }
}

/**
 * A late policy's choice among the members with fewer than `capacity` in
 * flight (as the caller counts them), or undefined when every slot is taken.
 * first-available: the first such member in pool order (Knative's
 * firstAvailableLBPolicy); late-binding: the least loaded, ties round-robin.
 */
export function createSlotChooser(policy: LatePolicy, capacity: number): Picker {
  const least = leastLoaded();
  return <T extends PoolMember>(pool: readonly T[]): T | undefined => {
    const free = pool.filter((m) => m.inFlight < capacity);
    return policy === 'first-available' ? free[0] : least(free);
  };
}
