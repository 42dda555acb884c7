/**
 * The `binding` section of the study config: which balancer policies, at
 * which offered loads, with which request sizes and how long. Strict, with
 * every default here; the binding study plans its cells from it.
 */
import { z } from 'zod';
import { BalancerPolicy, LATE_DEFAULTS } from '../contracts/deployment.js';
import { SIZE_PRESETS, SizeDistribution, type SizePreset } from '../contracts/open-load.js';

const PRESETS = Object.keys(SIZE_PRESETS) as [SizePreset, ...SizePreset[]];

/** A late policy's central queue; unset fields take `binding.late`. */
const LateOverrides = {
  replicaConcurrency: z.number().int().min(1).max(64).optional(),
  queueBound: z.number().int().nonnegative().max(100_000).optional(),
  waitTimeoutMs: z.number().positive().max(3_600_000).optional(),
  activators: z.number().int().min(1).max(16).optional(),
};

/** One value of the policy axis: a name, or a name with its own settings and label (two variants of one policy). */
export const PolicyEntry = z.union([
  BalancerPolicy,
  z.strictObject({ policy: BalancerPolicy, label: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'a label is lower-case letters, digits and dashes').optional(), ...LateOverrides }),
]);
export type PolicyEntry = z.infer<typeof PolicyEntry>;

export const BindingConfig = z
  .strictObject({
    policies: z.array(PolicyEntry).min(1).default(['round-robin', 'random', 'least-connections', 'random-choice-2', 'first-available', 'late-binding']),
    /** offered utilisation of the replicas' CPU, each below 1: the arrival rate is derived from it */
    loads: z.array(z.number().positive().lt(1)).min(1).default([0.5, 0.7, 0.9]),
    /** a preset (the seed's two distributions) or units with their probabilities */
    sizes: z.union([z.enum(PRESETS), SizeDistribution]).default('azure-functions'),
    /** one unit of work is this much of one replica's CPU time, ms */
    unitMs: z.number().positive().max(1000).default(0.012),
    /**
     * rounds (blocks) per load: each round runs every policy once on the same requests, and the next round
     * on other ones, so a host that slows down over the run slows every policy alike
     */
    rounds: z.number().int().positive().max(100).default(3),
    /** seconds of arrivals counted per trial, after the warm-up */
    durationS: z.number().positive().max(3600).default(120),
    /** seconds of arrivals first, recorded but not counted (the queues fill to their steady state) */
    warmupS: z.number().nonnegative().max(600).default(10),
    /** requests a replica lets wait (its QUEUE_LENGTH): early binding queues there instead of being refused */
    replicaQueue: z.number().int().nonnegative().max(10_000).default(1000),
    /** the central queue of the late policies, unless an entry of `policies` sets its own */
    late: z
      .strictObject({
        replicaConcurrency: z.number().int().min(1).max(64).default(LATE_DEFAULTS.replicaConcurrency),
        queueBound: z.number().int().nonnegative().max(100_000).default(LATE_DEFAULTS.queueBound),
        waitTimeoutMs: z.number().positive().max(3_600_000).default(LATE_DEFAULTS.waitTimeoutMs),
        activators: z.number().int().min(1).max(16).default(LATE_DEFAULTS.activators),
      })
      .prefault({}),
    /** short jobs are the size classes of at most this many units; the study compares their tail across policies */
    shortMaxUnits: z.number().int().positive().default(3),
    /**
     * a trial whose generator sent its 99th-percentile request later than this after its scheduled time
     * did not offer the planned arrivals: invalid (a busy host delays timers by tens of ms)
     */
    maxSendLagMs: z.number().positive().default(100),
    seed: z.number().int().default(16),
  })
  .prefault({})
  .refine((b) => new Set(b.loads).size === b.loads.length, { message: 'loads must not repeat', path: ['loads'] });
export type BindingConfig = z.infer<typeof BindingConfig>;

/** The configured sizes as a distribution. */
export function sizeDistribution(b: Pick<BindingConfig, 'sizes'>): SizeDistribution {
  if (typeof b.sizes !== 'string') return b.sizes;
  const preset = SIZE_PRESETS[b.sizes];
  return { units: [...preset.units], probabilities: [...preset.probabilities] };
}
