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
});
export type Step = z.infer<typeof Step>;

export const ReplicaStats = z.object({
  name: z.string(),
  ready: z.boolean(),
  restarts: z.number().int().nonnegative(),
  oomKilled: z.number().int().nonnegative(),
  cpuSeconds: z.number().nonnegative().optional(),
  cpuThrottledSeconds: z.number().nonnegative().optional(),
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
