/**
 * A cell's saturation phase: autocannon at a few concurrencies with no
 * think time, once per cell, before its first max-users search. It gives
 * the capacity model what it needs from measurement: the throughput the
 * cell reaches, the unloaded latency, and the replicas' CPU per request.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { PlannedCell } from '../plan/plan.js';
import type { StudyConfig } from '../plan/config.js';
import type { SaturationJob } from '../load/protocol/schema.js';
import type { Backend, LoadExecutor } from '../deploy/backend.js';
import type { SaturationPhase } from '../record/schema.js';
import { readCounters, replicaUsage } from './replica-usage.js';

/** The levels: as configured, else 1, 2 and 4 connections per replica. */
export function saturationConcurrencies(config: StudyConfig, replicas: number): number[] {
  if (config.saturation.concurrencies.length > 0) return [...config.saturation.concurrencies];
  return [...new Set([1, 2 * replicas, 4 * replicas])];
}

export function saturationJob(config: StudyConfig, cell: PlannedCell, url: string, imagesDir: string, seed: number): SaturationJob {
  const s = config.saturation;
  return {
    kind: 'saturation',
    task: config.task,
    url,
    imagesDir,
    timeoutMs: config.failure.timeoutMs,
    seed,
    concurrencies: saturationConcurrencies(config, cell.replicas),
    durationS: s.durationS,
    warmupS: s.warmupS,
    maxRequests: s.maxRequests,
  };
}

export async function runSaturationPhase(o: {
  config: StudyConfig;
  cell: PlannedCell;
  backend: Backend;
  executor: LoadExecutor;
  url: string;
  imagesDir: string;
  seed: number;
  signal: AbortSignal;
}): Promise<SaturationPhase> {
  const job = saturationJob(o.config, o.cell, o.url, o.imagesDir, o.seed);
  const before = await readCounters(o.backend);
  const started = performance.now();
  const result = await o.executor.run(job, o.signal);
  const usage = replicaUsage(before, await readCounters(o.backend), (performance.now() - started) / 1000);
  // what the replicas had accepted when the connections closed is still being served: the search's first
  // level must not meet it (it would take its 503s for its own)
  const slowest = Math.max(0, ...result.levels.map((l) => l.latencyMs.max));
  await sleep(Math.min(o.config.failure.timeoutMs, slowest), undefined, { signal: o.signal }).catch(() => undefined);
  // warm-up answers used CPU too: they count in the per-request figure
  const answered = result.levels.reduce((n, l) => n + l.successes + l.warmupSuccesses, 0);
  return {
    levels: result.levels,
    loadGenCpu: result.loadGenCpu,
    ...(result.rttMs !== undefined ? { rttMs: result.rttMs } : {}),
    ...(usage ? { replicaUsage: usage, cpuPerRequestS: answered > 0 ? usage.cpuSeconds / answered : null } : {}),
  };
}
