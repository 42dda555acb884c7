/**
 * What an open (Poisson) load is made of and what it records per request,
 * shared by the load worker, the trial files and the analysis. Pure.
 */
import { z } from 'zod';
import { ErrorKind } from './domain.js';

/** Request sizes: `units[i]` with probability `probabilities[i]`. */
export const SizeDistribution = z
  .strictObject({
    units: z.array(z.number().int().positive()).min(1),
    probabilities: z.array(z.number().nonnegative()).min(1),
  })
  .refine((d) => d.units.length === d.probabilities.length, { message: 'units and probabilities must have the same length', path: ['probabilities'] })
  .refine((d) => Math.abs(d.probabilities.reduce((a, b) => a + b, 0) - 1) < 1e-6, { message: 'probabilities must sum to 1', path: ['probabilities'] })
  .refine((d) => new Set(d.units).size === d.units.length, { message: 'units must not repeat', path: ['units'] });
export type SizeDistribution = z.infer<typeof SizeDistribution>;

/**
 * One request of an open job, times in ms from the job's start on the
 * generator's clock; the durations come from the answer's Server-Timing
 * (the replica's queue and work, the balancer's lb-queue), so no clock is
 * compared across processes.
 */
export const OpenRequest = z.strictObject({
  units: z.number().int().positive(),
  /** when it was sent, and how late that was against the schedule */
  sendMs: z.number().nonnegative(),
  lagMs: z.number().nonnegative(),
  /** when the answer (or the failure) was complete */
  endMs: z.number().nonnegative(),
  /** HTTP status; 0 when none came */
  status: z.number().int().nonnegative(),
  error: ErrorKind.optional(),
  replica: z.string().optional(),
  lbQueueMs: z.number().nonnegative().optional(),
  queueMs: z.number().nonnegative().optional(),
  workMs: z.number().nonnegative().optional(),
  /** the replica's whole handling of it */
  replicaMs: z.number().nonnegative().optional(),
  warmup: z.boolean(),
});
export type OpenRequest = z.infer<typeof OpenRequest>;

/**
 * The seed's two size distributions. `azure-functions`: 1, 3, 25, 250 and
 * 7500 units as the seed takes them from the SOSP '21 paper's Azure
 * Functions trace; its probabilities (0.05, 0.03, 0.17, 0.33, 0.37) sum to
 * 0.95, so each is divided by 0.95 here. `twenty-sizes`: the seed's later
 * run, 20 sizes from 1 to 8000 units at 5 % each.
 */
const SEED_AZURE = [0.05, 0.03, 0.17, 0.33, 0.37];
const seedTotal = SEED_AZURE.reduce((a, b) => a + b, 0);
export const SIZE_PRESETS = {
  'azure-functions': { units: [1, 3, 25, 250, 7500], probabilities: SEED_AZURE.map((p) => p / seedTotal) },
  'twenty-sizes': {
    units: [1, 2, 3, 5, 15, 25, 30, 40, 50, 100, 150, 200, 250, 350, 500, 700, 1000, 2000, 4000, 8000],
    probabilities: Array.from({ length: 20 }, () => 0.05),
  },
} as const satisfies Record<string, SizeDistribution>;
export type SizePreset = keyof typeof SIZE_PRESETS;
