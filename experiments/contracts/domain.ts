/**
 * The study's domain types, shared by every stage and by the load worker
 * that ships in its own image: what a task, a client location, a measured
 * load level and a replica's counters are. zod schemas, so every boundary
 * (worker stdout, run files, configs) validates with the same definitions.
 * Pure; imports nothing of the project.
 */
import { z } from 'zod';

export const Location = z.enum(['cluster', 'remote']);
export type Location = z.infer<typeof Location>;

export const Task = z.enum(['detection', 'pose']);
export type Task = z.infer<typeof Task>;

export const Percentiles = z.object({
  mean: z.number(),
  p50: z.number(),
  p90: z.number(),
  p95: z.number(),
  p99: z.number(),
  max: z.number(),
});
export type Percentiles = z.infer<typeof Percentiles>;

/** Why a request counted as failed. */
export const ErrorKind = z.enum(['status', 'body', 'id-mismatch', 'timeout', 'connection']);
export type ErrorKind = z.infer<typeof ErrorKind>;

/** The steady-state verdict of a held level (experiments/load/steady-state.ts). */
export const SteadyState = z.object({
  verdict: z.enum(['steady', 'trend', 'little', 'short', 'empty']),
  /** warm-up before the steady part, seconds (not reported) */
  fromS: z.number().nonnegative(),
  spanS: z.number().nonnegative(),
  completions: z.number().int().nonnegative(),
  throughput: z.number().nonnegative(),
  meanLatencyMs: z.number().nonnegative(),
  meanThinkS: z.number().nonnegative(),
  /** X·(R̄ + Z̄) / N, and the deviation from 1 allowed */
  littleRatio: z.number().nonnegative(),
  littleTolerance: z.number().positive(),
  /** relative rise of mean latency across the steady part, and the rise allowed */
  latencyTrend: z.number(),
  trendTolerance: z.number().positive(),
});
export type SteadyState = z.infer<typeof SteadyState>;

/** What the replicas' cgroups counted while one level ran (deltas, summed over replicas). */
export const ReplicaUsage = z.object({
  replicas: z.number().int().nonnegative(),
  seconds: z.number().nonnegative(),
  cpuSeconds: z.number().nonnegative(),
  cpuThrottledSeconds: z.number().nonnegative(),
  /** share of CFS periods in which the replicas hit their quota */
  throttledShare: z.number().min(0).max(1),
  oomKills: z.number().int().nonnegative(),
  restarts: z.number().int().nonnegative(),
  /** share of the host's CPU that was busy (everything on it), when the backend reads the host */
  hostBusyShare: z.number().min(0).max(1).optional(),
});
export type ReplicaUsage = z.infer<typeof ReplicaUsage>;

/** One load level held (search) or passed through (ramp). */
export const Step = z.object({
  users: z.number().int().nonnegative(),
  startedAt: z.string(),
  durationS: z.number().nonnegative(),
  requests: z.number().int().nonnegative(),
  successes: z.number().int().nonnegative(),
  errors: z.record(ErrorKind, z.number().int().nonnegative()),
  latencyMs: Percentiles,
  qps: z.object({ avg: z.number(), max: z.number() }),
  /** per-second samples: throughput and mean latency, for the latency-vs-users chart */
  perSecond: z.array(z.object({ t: z.number(), users: z.number(), requests: z.number(), errors: z.number(), meanLatencyMs: z.number() })),
  /** 100% success (and the latency objective, when set) */
  passed: z.boolean(),
  /** throughput steady over the last windows */
  stable: z.boolean(),
  /** load generator CPU use, 1.0 = one full core */
  loadGenCpu: z.number().nonnegative(),
  /** requests answered by each replica, from X-Served-By */
  perReplica: z.record(z.string(), z.number().int().nonnegative()),
  /** HDR histogram of latencies (µs), compressed base64, so trials can be merged later */
  histogram: z.string(),
  /** request bytes sent per second (steady part of a held level), for the client path's load */
  bytesPerS: z.number().nonnegative(),
  /** held levels only: the steady-state verdict; latency, QPS and histogram above are of the steady part */
  steady: SteadyState.optional(),
  /** the replicas' counters over this level, when the backend reads them */
  replicaUsage: ReplicaUsage.optional(),
});
export type Step = z.infer<typeof Step>;

export const ReplicaStats = z.object({
  name: z.string(),
  ready: z.boolean(),
  restarts: z.number().int().nonnegative(),
  oomKilled: z.number().int().nonnegative(),
  cpuSeconds: z.number().nonnegative().optional(),
  cpuThrottledSeconds: z.number().nonnegative().optional(),
  /** CFS periods run, and those that hit the quota (throttled share = throttled / periods) */
  cpuPeriods: z.number().int().nonnegative().optional(),
  cpuThrottledPeriods: z.number().int().nonnegative().optional(),
  memoryPeakBytes: z.number().nonnegative().optional(),
});
export type ReplicaStats = z.infer<typeof ReplicaStats>;

export const NetworkPath = z.object({
  /** measured round-trip time client → endpoint, ms; null when nothing answered the probes */
  rttMs: z.number().nonnegative().nullable(),
  /** measured or configured bandwidth, Mbit/s; null = not limited */
  bandwidthMbit: z.number().positive().nullable(),
  description: z.string(),
});

/** One concurrency of a saturation phase: closed loop, no think time (autocannon). */
export const SaturationLevel = z.object({
  concurrency: z.number().int().positive(),
  /** measured seconds (warm-up excluded) */
  durationS: z.number().nonnegative(),
  /** answers counted, and how many were 2xx */
  requests: z.number().int().nonnegative(),
  successes: z.number().int().nonnegative(),
  /** 2xx answers during the warm-up before the level (not counted above) */
  warmupSuccesses: z.number().int().nonnegative(),
  /** non-2xx answers by status, connection errors and timeouts */
  statuses: z.record(z.string(), z.number().int().nonnegative()),
  errors: z.number().int().nonnegative(),
  timeouts: z.number().int().nonnegative(),
  /** 2xx per second: the throughput at this concurrency */
  throughput: z.number().nonnegative(),
  /** latency of the 2xx answers */
  latencyMs: Percentiles,
  /** request bytes sent per second (the client path's load) */
  bytesPerS: z.number().nonnegative(),
  loadGenCpu: z.number().nonnegative(),
  /** HDR histogram of the 2xx latencies (µs), compressed base64 */
  histogram: z.string(),
});
export type SaturationLevel = z.infer<typeof SaturationLevel>;

/** What limited a cell (experiments/analyse/limits.ts says from which counters). */
export const LimitedBy = z.enum(['load-generator', 'network', 'host-cpu', 'replicas', 'timeout', 'none', 'unknown']);
export type LimitedBy = z.infer<typeof LimitedBy>;
