/**
 * An open job's schedule, decided before the first request: Poisson arrival
 * times and a size for each, from two seeded streams. Arrivals are unit-rate
 * exponential gaps divided by the rate, so the same seed gives every rate the
 * same pattern, scaled, and every policy the same requests in the same order
 * (common random numbers: policies differ by their binding, not by their
 * luck of the draw). Pure.
 */
import { seededRng, type Rng } from './rng.js';
import type { OpenLoadJob, SizeDistribution } from './protocol/schema.js';

export interface Arrival {
  /** ms after the job's start */
  atMs: number;
  units: number;
  warmup: boolean;
}

/** A size drawn by inverse CDF: `units[i]` with probability `probabilities[i]`. */
export function sampleSize(rng: Rng, sizes: SizeDistribution): number {
  const u = rng();
  let cumulative = 0;
  for (const [i, p] of sizes.probabilities.entries()) {
    cumulative += p;
    if (u < cumulative) return sizes.units[i]!;
  }
  // rounding left u above the last cumulative sum
  return sizes.units[sizes.units.length - 1]!;
}

/** Mean size in units. */
export function meanUnits(sizes: SizeDistribution): number {
  return sizes.units.reduce((sum, u, i) => sum + u * sizes.probabilities[i]!, 0);
}

/** Gap to the next arrival of a unit-rate Poisson process. */
const unitGap = (rng: Rng) => -Math.log(1 - rng());

export function openSchedule(job: Pick<OpenLoadJob, 'seed' | 'ratePerS' | 'durationS' | 'warmupS' | 'sizes' | 'maxRequests'>): Arrival[] {
  const arrivals = seededRng(job.seed);
  const sizes = seededRng(job.seed ^ 0x5bd1e995);
  const endMs = (job.warmupS + job.durationS) * 1000;
  const out: Arrival[] = [];
  for (let t = (unitGap(arrivals) / job.ratePerS) * 1000; t < endMs && out.length < job.maxRequests; t += (unitGap(arrivals) / job.ratePerS) * 1000) {
    out.push({ atMs: t, units: sampleSize(sizes, job.sizes), warmup: t < job.warmupS * 1000 });
  }
  return out;
}
