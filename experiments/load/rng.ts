/** Random choices of the load (images, think times), seeded so a job repeats for the same seed. */
import type { Rng } from '../../lib/seeded-rng.js';

export { seededRng, type Rng } from '../../lib/seeded-rng.js';

export function between(rng: Rng, [min, max]: readonly [number, number]): number {
  return min + (max - min) * rng();
}

/**
 * Time until a user's next request if it had been running for long: the
 * equilibrium residual of a between(min, max) think time, density ∝ P(T > r).
 * Starting users with it puts a level at steady state from its first second,
 * instead of firing every first request at once or ramping in for a whole
 * think time. Rejection sampling: draw r in [0, max], keep it with P(T > r).
 */
export function residualThink(rng: Rng, [min, max]: readonly [number, number]): number {
  if (max <= 0) return 0;
  for (;;) {
    const r = max * rng();
    const survive = r < min ? 1 : max > min ? (max - r) / (max - min) : 0;
    if (rng() < survive) return r;
  }
}
