/**
 * Trial files → one Cell per replicas × location, and the Results file.
 * Pure. Only valid trials count; invalid ones are only counted. "At max
 * users" means the confirming holds: their histograms are merged for the
 * percentiles, their per-trial means give the response-time spread.
 */
import { mergeHistograms, percentilesMs } from '../load/histogram.js';
import { SCHEMA_VERSION, type Cell, type Results, type TrialResult } from '../record/schema.js';
import { type Location, type Step } from '../contracts/domain.js';
import { describe } from './stats.js';

export interface CellKey {
  replicas: number;
  location: Location;
  capacityBound: boolean;
}

function confirmOf(t: TrialResult): Step | undefined {
  return t.steps[t.confirmStep];
}

function sumInto(target: Record<string, number>, add: Record<string, number>): void {
  for (const [k, v] of Object.entries(add)) target[k] = (target[k] ?? 0) + v;
}

/** Six decimals everywhere, so the JSON and the CSV state the very same numbers. */
export function roundNumbers<T>(value: T): T {
  if (typeof value === 'number') return (Number.isFinite(value) ? Number(value.toFixed(6)) : value) as T;
  if (Array.isArray(value)) return value.map(roundNumbers) as T;
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, roundNumbers(v)])) as T;
  return value;
}

export function aggregateCell(key: CellKey, trials: readonly TrialResult[], limitsEnforcedDefault: boolean): Cell {
  const mine = trials.filter((t) => t.replicas === key.replicas && t.location === key.location);
  const valid = mine.filter((t) => t.valid);
  const confirms = valid.map(confirmOf).filter((s): s is Step => s !== undefined);
  const requests = confirms.reduce((n, s) => n + s.requests, 0);
  const successes = confirms.reduce((n, s) => n + s.successes, 0);
  const requestsPerReplica: Record<string, number> = {};
  const decidedBy: Record<string, number> = {};
  for (const t of valid) {
    for (const s of t.steps) sumInto(requestsPerReplica, s.perReplica);
    decidedBy[t.decidedBy] = (decidedBy[t.decidedBy] ?? 0) + 1;
  }
  const first = valid[0] ?? mine[0];
  return roundNumbers({
    replicas: key.replicas,
    location: key.location,
    maxUsers: describe(valid.map((t) => t.maxUsers)),
    latencyMs: percentilesMs(mergeHistograms(confirms.map((s) => s.histogram))),
    avgResponseMs: describe(confirms.map((s) => s.latencyMs.mean)),
    qps: {
      avg: confirms.length > 0 ? confirms.reduce((n, s) => n + s.qps.avg, 0) / confirms.length : 0,
      max: Math.max(0, ...confirms.map((s) => s.qps.max)),
    },
    totalRequests: valid.reduce((n, t) => n + t.steps.reduce((m, s) => m + s.requests, 0), 0),
    successRate: requests > 0 ? successes / requests : 0,
    requestsPerReplica,
    capacityBound: key.capacityBound || mine.some((t) => t.capacityBound),
    limitsEnforced: mine.length > 0 ? mine.every((t) => t.limitsEnforced) : limitsEnforcedDefault,
    invalidTrials: mine.length - valid.length,
    decidedBy,
    network: first?.network ?? { rttMs: null, bandwidthMbit: null, description: 'not measured (no trial)' },
  });
}

export interface ResultsMeta {
  runId: string;
  task: Results['task'];
  createdAt: string;
  backend: string;
  cpuPerReplica: number;
  memoryPerReplicaMi: number;
  limitsEnforced: boolean;
}

export function aggregateResults(meta: ResultsMeta, cells: readonly CellKey[], trials: readonly TrialResult[]): Results {
  return {
    schemaVersion: SCHEMA_VERSION,
    runId: meta.runId,
    task: meta.task,
    createdAt: meta.createdAt,
    backend: meta.backend,
    cpuPerReplica: meta.cpuPerReplica,
    memoryPerReplicaMi: meta.memoryPerReplicaMi,
    cells: cells.map((c) => aggregateCell(c, trials, meta.limitsEnforced)),
  };
}
