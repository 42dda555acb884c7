/**
 * Recorded results → the numbers the report shows. Pure: the loader hands in
 * validated files, everything here is arithmetic and grouping.
 */
import { isMaxUsersTrial, type Cell, type Results, type TrialResult } from '../../../experiments/record/schema.js';
import type { Location } from '../../../experiments/contracts/domain.js';
import { SUMMARY_CSV_COLUMNS } from '../../../experiments/record/schema.js';
import type { RunFiles } from '../../run-files.js';

/** The pod counts the assignment's Table 1 always lists, measured or not. */
export const ASSIGNMENT_PODS = [1, 2, 4, 8] as const;
export const LOCATIONS: readonly Location[] = ['cluster', 'remote'];

/** A replicas-study run directory after validation (load.ts). */
export interface RunInput extends RunFiles {
  results: Results;
  trials: TrialResult[];
  summaryRows: Record<string, string>[] | null;
}

export interface CurvePoint {
  location: Location;
  replicas: number;
  users: number;
  meanMs: number;
}

export interface BalanceBar {
  location: Location;
  replicas: number;
  replica: string;
  /** 1-based position of the replica within its cell, by name */
  index: number;
  share: number;
}

export interface ReportData {
  pods: number[];
  locations: readonly Location[];
  /** grid[pods index][location index], null where the cell was not measured */
  grid: (Cell | null)[][];
  curves: CurvePoint[];
  balance: BalanceBar[];
  trials: { total: number; valid: number; invalidReasons: string[] };
  /** replica restarts and OOM kills over all trials, per cell that had any */
  replicaTrouble: { location: Location; replicas: number; restarts: number; oomKilled: number }[];
  trialsPerCell: number[];
  /** model output only: more pods if the host were not the limit */
  whatIf: Results['whatIf'];
}

export function cellAt(data: ReportData, pods: number, location: Location): Cell | null {
  const row = data.pods.indexOf(pods);
  const col = data.locations.indexOf(location);
  return row < 0 || col < 0 ? null : data.grid[row]?.[col] ?? null;
}

function latencyCurves(trials: TrialResult[]): CurvePoint[] {
  const sums = new Map<string, { point: CurvePoint; n: number }>();
  for (const trial of trials.filter(isMaxUsersTrial).filter((t) => t.valid)) {
    for (const step of trial.steps) {
      const key = `${trial.location}|${trial.replicas}|${step.users}`;
      const entry = sums.get(key) ?? { point: { location: trial.location, replicas: trial.replicas, users: step.users, meanMs: 0 }, n: 0 };
      entry.point.meanMs += step.latencyMs.mean;
      entry.n += 1;
      sums.set(key, entry);
    }
  }
  return [...sums.values()]
    .map(({ point, n }) => ({ ...point, meanMs: point.meanMs / n }))
    .sort((a, b) => a.location.localeCompare(b.location) || a.replicas - b.replicas || a.users - b.users);
}

function balanceBars(cells: Cell[]): BalanceBar[] {
  return cells.flatMap((cell) => {
    const names = Object.keys(cell.requestsPerReplica).sort();
    const total = names.reduce((sum, name) => sum + (cell.requestsPerReplica[name] ?? 0), 0);
    if (total === 0) return [];
    return names.map((replica, i) => ({
      location: cell.location, replicas: cell.replicas, replica, index: i + 1,
      share: (cell.requestsPerReplica[replica] ?? 0) / total,
    }));
  });
}

function replicaTrouble(trials: TrialResult[]): ReportData['replicaTrouble'] {
  const byCell = new Map<string, ReportData['replicaTrouble'][number]>();
  for (const t of trials) {
    const key = `${t.location}|${t.replicas}`;
    const entry = byCell.get(key) ?? { location: t.location, replicas: t.replicas, restarts: 0, oomKilled: 0 };
    for (const r of t.replicaStats) {
      entry.restarts += r.restarts;
      entry.oomKilled += r.oomKilled;
    }
    byCell.set(key, entry);
  }
  return [...byCell.values()].filter((e) => e.restarts + e.oomKilled > 0);
}

export function buildReportData(input: RunInput): ReportData {
  const { results, trials } = input;
  const pods = [...new Set<number>([...ASSIGNMENT_PODS, ...results.cells.map((c) => c.replicas)])].sort((a, b) => a - b);
  const grid = pods.map((p) => LOCATIONS.map((loc) => results.cells.find((c) => c.replicas === p && c.location === loc) ?? null));
  const trialsPerCell = [...new Set(results.cells.map((c) => trials.filter((t) => t.replicas === c.replicas && t.location === c.location).length || c.maxUsers.n + c.invalidTrials))].sort((a, b) => a - b);
  return {
    pods,
    locations: LOCATIONS,
    grid,
    curves: latencyCurves(trials),
    balance: balanceBars(results.cells),
    trials: {
      total: trials.length,
      valid: trials.filter((t) => t.valid).length,
      invalidReasons: [...new Set(trials.filter((t) => !t.valid).map((t) => t.invalidReason ?? 'no reason recorded'))],
    },
    trialsPerCell,
    replicaTrouble: replicaTrouble(trials),
    whatIf: results.whatIf,
  };
}

/** Summary CSV value for a cell column, as the results JSON implies it. */
function expectedCsv(cell: Cell): Record<string, number | null> {
  return {
    n: cell.maxUsers.n, max_users_mean: cell.maxUsers.mean, max_users_sd: cell.maxUsers.sd,
    avg_response_ms: cell.avgResponseMs.mean, avg_response_sd_ms: cell.avgResponseMs.sd,
    p50_ms: cell.latencyMs.p50, p95_ms: cell.latencyMs.p95, p99_ms: cell.latencyMs.p99, max_ms: cell.latencyMs.max,
    qps_avg: cell.qps.avg, qps_max: cell.qps.max, total_requests: cell.totalRequests, success_rate: cell.successRate,
  };
}

/**
 * The CSV and the JSON are written from the same cells; a disagreement means
 * one of them was edited or is from another run, which the reader must know.
 */
export function summaryMismatches(results: Results, rows: Record<string, string>[]): string[] {
  const problems: string[] = [];
  for (const cell of results.cells) {
    const row = rows.find((r) => Number(r.replicas) === cell.replicas && r.location === cell.location);
    if (!row) {
      problems.push(`experiment_summary.csv has no row for ${cell.replicas} pods / ${cell.location}`);
      continue;
    }
    for (const [column, value] of Object.entries(expectedCsv(cell))) {
      if (value === null) {
        if (row[column] !== '') problems.push(`experiment_summary.csv ${column} for ${cell.replicas} pods / ${cell.location} is ${row[column]}, experiment_results.json has none (one trial)`);
        continue;
      }
      const csv = Number(row[column]);
      if (!Number.isFinite(csv) || Math.abs(csv - value) > 1e-6 * Math.max(1, Math.abs(value))) {
        problems.push(`experiment_summary.csv ${column} for ${cell.replicas} pods / ${cell.location} is ${row[column]}, experiment_results.json says ${value}`);
      }
    }
  }
  return problems;
}

export function parseSummaryCsv(text: string): Record<string, string>[] {
  const [header, ...lines] = text.trim().split(/\r?\n/);
  const columns = (header ?? '').split(',');
  const missing = SUMMARY_CSV_COLUMNS.filter((c) => !columns.includes(c));
  if (missing.length > 0) throw new Error(`experiment_summary.csv: missing column(s) ${missing.join(', ')}`);
  return lines.filter((l) => l.trim() !== '').map((line) => {
    const cells = line.split(',');
    return Object.fromEntries(columns.map((c, i) => [c, cells[i] ?? '']));
  });
}
