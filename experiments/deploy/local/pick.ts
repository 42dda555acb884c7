/**
 * Load-balancing choices over the ready replicas. Pure: the caller owns the
 * in-flight counts, so each strategy is a plain function of the pool.
 */

export const STRATEGIES = ['round-robin', 'random', 'least-connections'] as const;
export type Strategy = (typeof STRATEGIES)[number];

export interface PoolMember {
  name: string;
  inFlight: number;
}

export type Picker = <T extends PoolMember>(pool: readonly T[]) => T | undefined;

export function createPicker(strategy: Strategy, random: () => number = Math.random): Picker {
  let next = 0;
  const roundRobin = <T extends PoolMember>(pool: readonly T[]): T | undefined => {
    if (pool.length === 0) return undefined;
    const chosen = pool[next % pool.length];
    next = (next + 1) % pool.length;
    return chosen;
  };
  switch (strategy) {
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
