/** A small seeded PRNG (mulberry32) so a job's image and think-time choices repeat for the same seed. */
export type Rng = () => number;

export function seededRng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

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
