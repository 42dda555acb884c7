/**
 * mulberry32: a tiny seeded PRNG, identical on every platform for a given
 * seed. Used wherever a run must repeat exactly: random model weights, the
 * load's image and think-time choices, fuzz inputs.
 */
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
