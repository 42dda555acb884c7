/**
 * The load worker's wire protocol, both directions, as strict schemas. The
 * same worker runs as a child process (local backend, both locations; the
 * kubernetes backend's remote location) and as a Kubernetes Job (the
 * cluster location), so jobs and results are plain JSON:
 *
 *   stdin   one LoadJob (single mode) or one per line (--serve)
 *   stdout  one LoadJobResult per job, one line each
 *   stderr  JSON lines: Progress while a level runs, {"type":"error"} on failure
 *
 * Unknown keys are errors in both directions: a worker and an orchestrator
 * of different versions fail loudly instead of dropping a field (a result
 * once lost its measured RTT that way).
 */
import { z } from 'zod';
import { SaturationLevel, Step, Task } from '../../contracts/domain.js';
import { OpenRequest, SizeDistribution } from '../../contracts/open-load.js';

export { OpenRequest, SizeDistribution } from '../../contracts/open-load.js';

/** What every job names: where the service is, which images, the failure timeout, the seed of its random choices. */
const JobBase = {
  task: Task,
  /** base URL of the service endpoint */
  url: z.url({ protocol: /^https?$/ }),
  /** directory with the images */
  imagesDir: z.string().min(1),
  /** a request slower than this fails */
  timeoutMs: z.number().positive(),
  seed: z.number().int(),
};

/** Closed-loop users (the assignment's Locust user): each sends, waits for the answer, thinks, repeats. */
export const ClosedLoadJob = z
  .strictObject({
    kind: z.literal('closed'),
    ...JobBase,
    /** levels to hold in order; a `ramp` job holds each level for `holdS` (1 s = the assignment's 1 user/s) */
    levels: z.array(z.number().int().positive()).min(1),
    holdS: z.number().positive(),
    /** think time between a user's requests, seconds: [min, max]; [0, 0] saturates */
    thinkS: z.tuple([z.number().nonnegative(), z.number().nonnegative()]).refine(([a, b]) => a <= b, 'min think time must not exceed max'),
    /** stop at the first failing level instead of running all */
    stopOnFailure: z.boolean(),
    /** optional latency objective: a level with p95 above it fails */
    p95ObjectiveMs: z.number().positive().optional(),
    /** hold a level longer than `holdS`, until throughput is steady and `minRequests` were answered, up to this; default holdS */
    maxHoldS: z.number().positive().optional(),
    /** answered requests a held level needs before it may end, so "100 %" rests on enough samples; default 0 */
    minRequests: z.number().int().nonnegative().optional(),
    /** stability window, seconds; default 1 */
    windowS: z.number().positive().optional(),
    /** steady = throughput of the last three windows within this share (or counting noise); default 0.1 */
    stableTolerance: z.number().positive().optional(),
    /** judge every level for steady state (no latency trend, Little's law): held longer until steady, failed when still unsteady at maxHoldS */
    steadyRule: z.strictObject({ trendTolerance: z.number().positive() }).optional(),
  })
  .refine((j) => j.maxHoldS === undefined || j.maxHoldS >= j.holdS, { message: 'maxHoldS must be ≥ holdS', path: ['maxHoldS'] });
export type ClosedLoadJob = z.infer<typeof ClosedLoadJob>;

/** Saturation: fixed concurrencies with no think time (autocannon), for the capacity model's X_max and latency against concurrency. */
export const SaturationJob = z.strictObject({
  kind: z.literal('saturation'),
  ...JobBase,
  /** connections held at each level, in order */
  concurrencies: z.array(z.number().int().positive()).min(1),
  /** measured seconds per level, after `warmupS` that are not counted */
  durationS: z.number().positive(),
  warmupS: z.number().nonnegative(),
  /** a level also ends after this many answers (bounds slow configurations) */
  maxRequests: z.number().int().positive().optional(),
});
export type SaturationJob = z.infer<typeof SaturationJob>;

/**
 * Open load: Poisson arrivals at `ratePerS` whatever the answers do, each
 * request a work request (POST /api/work) of a size drawn from `sizes`.
 * Seeded: the same seed gives the same arrival times (scaled by the rate)
 * and the same sizes. Requests sent in the first `warmupS` are marked so.
 */
export const OpenLoadJob = z.strictObject({
  kind: z.literal('open'),
  url: JobBase.url,
  timeoutMs: JobBase.timeoutMs,
  seed: JobBase.seed,
  ratePerS: z.number().positive().max(10_000),
  /** seconds of arrivals after the warm-up */
  durationS: z.number().positive().max(3600),
  warmupS: z.number().nonnegative().max(600),
  sizes: SizeDistribution,
  /** the schedule stops here, whatever rate × duration says */
  maxRequests: z.number().int().positive().max(1_000_000),
});
export type OpenLoadJob = z.infer<typeof OpenLoadJob>;

export const LoadJob = z.discriminatedUnion('kind', [ClosedLoadJob, SaturationJob, OpenLoadJob]);
export type LoadJob = z.infer<typeof LoadJob>;

/** What every result carries. */
const ResultBase = {
  /** load generator CPU use over the whole job, 1.0 = one core */
  loadGenCpu: z.number().nonnegative(),
  /** the job was aborted (signal) before it finished */
  aborted: z.boolean(),
  /** median round-trip time of a few tiny requests sent before the load, ms; absent when none answered */
  rttMs: z.number().nonnegative().optional(),
};

export const ClosedLoadResult = z.strictObject({ kind: z.literal('closed'), ...ResultBase, steps: z.array(Step) });
export type ClosedLoadResult = z.infer<typeof ClosedLoadResult>;

export const SaturationResult = z.strictObject({ kind: z.literal('saturation'), ...ResultBase, levels: z.array(SaturationLevel) });
export type SaturationResult = z.infer<typeof SaturationResult>;

export const OpenLoadResult = z.strictObject({
  kind: z.literal('open'),
  ...ResultBase,
  /** seconds from the job's start to its last answer */
  durationS: z.number().nonnegative(),
  requests: z.array(OpenRequest),
});
export type OpenLoadResult = z.infer<typeof OpenLoadResult>;

export const LoadJobResult = z.discriminatedUnion('kind', [ClosedLoadResult, SaturationResult, OpenLoadResult]);
export type LoadJobResult = z.infer<typeof LoadJobResult>;

/** The result a job of kind J's kind gets. */
export type ResultOf<J extends { kind: LoadJobResult['kind'] }> = Extract<LoadJobResult, { kind: J['kind'] }>;

/** The result of the kind `job` asked for, or an error naming the mismatch. */
export function resultFor<J extends LoadJob>(job: J, result: LoadJobResult): ResultOf<J> {
  if (result.kind !== job.kind) throw new Error(`load worker answered a ${job.kind} job with a ${result.kind} result`);
  return result as ResultOf<J>;
}

/** A stderr line while a level runs. */
export const Progress = z.strictObject({
  type: z.literal('progress'),
  users: z.number(),
  /** answers in the last whole second */
  qps: z.number(),
  /** failed requests in the current level */
  errors: z.number(),
  /** seconds since the job started */
  t: z.number(),
});
export type Progress = z.infer<typeof Progress>;

const issues = (error: z.ZodError) => error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');

/** The worker's stdin, validated: a malformed job is named field by field before any load starts. */
export function parseLoadJob(input: unknown): LoadJob {
  const result = LoadJob.safeParse(input);
  if (!result.success) throw new Error(`invalid load job: ${issues(result.error)}`);
  return result.data;
}

/** A worker's result, checked: one that is not the contract's shape is named, never half-read. */
export function parseLoadJobResult(value: unknown, from: string): LoadJobResult {
  const parsed = LoadJobResult.safeParse(value);
  if (!parsed.success) throw new Error(`${from} printed a malformed result: ${issues(parsed.error)}`);
  return parsed.data;
}

export function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The last line of a mixed log (a pod's stdout and stderr) that is a valid LoadJobResult. */
export function resultFromLog(log: string): LoadJobResult | undefined {
  const lines = log.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('{'));
  for (const line of lines.reverse()) {
    const parsed = LoadJobResult.safeParse(safeJson(line));
    if (parsed.success) return parsed.data;
  }
  return undefined;
}

/** The worker's own error line ({"type":"error","message":...}), else the log's last line. */
export function lastError(log: string): string {
  const lines = log.trim().split('\n');
  for (const line of [...lines].reverse()) {
    const msg = safeJson(line) as { type?: string; message?: string } | undefined;
    if (msg?.type === 'error' && msg.message) return msg.message;
  }
  return lines.at(-1)?.slice(0, 300) || 'empty log';
}
