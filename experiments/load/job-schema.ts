/** The worker's stdin, validated: a malformed job is named field by field before any load starts. */
import { z } from 'zod';
import { Task } from '../record/schema.js';
import type { LoadJob } from './types.js';

export const LoadJobSchema = z
  .object({
    task: Task,
    url: z.url({ protocol: /^https?$/ }),
    imagesDir: z.string().min(1),
    levels: z.array(z.number().int().positive()).min(1),
    holdS: z.number().positive(),
    thinkS: z.tuple([z.number().nonnegative(), z.number().nonnegative()]).refine(([a, b]) => a <= b, 'min think time must not exceed max'),
    timeoutMs: z.number().positive(),
    stopOnFailure: z.boolean(),
    p95ObjectiveMs: z.number().positive().optional(),
    seed: z.number().int(),
    maxHoldS: z.number().positive().optional(),
    minRequests: z.number().int().nonnegative().optional(),
    windowS: z.number().positive().optional(),
    stableTolerance: z.number().positive().optional(),
  })
  .refine((j) => j.maxHoldS === undefined || j.maxHoldS >= j.holdS, { message: 'maxHoldS must be ≥ holdS', path: ['maxHoldS'] }) satisfies z.ZodType<LoadJob>;

export function parseLoadJob(input: unknown): LoadJob {
  const result = LoadJobSchema.safeParse(input);
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.join('.') || '(job)'}: ${i.message}`);
    throw new Error(`invalid load job: ${issues.join('; ')}`);
  }
  return result.data;
}
