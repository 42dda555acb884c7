/** experiment_summary.csv: one row per cell, columns fixed by SUMMARY_CSV_COLUMNS, values exactly as in experiment_results.json. Pure. */
import { SUMMARY_CSV_COLUMNS, type Cell } from '../record/schema.js';

type Column = (typeof SUMMARY_CSV_COLUMNS)[number];

function row(c: Cell): Record<Column, string | number | boolean> {
  return {
    replicas: c.replicas,
    location: c.location,
    n: c.maxUsers.n,
    max_users_mean: c.maxUsers.mean,
    // one trial has no spread: left empty, never 0
    max_users_sd: c.maxUsers.sd ?? '',
    max_users_ci95_low: c.maxUsers.ci95?.[0] ?? '',
    max_users_ci95_high: c.maxUsers.ci95?.[1] ?? '',
    avg_response_ms: c.avgResponseMs.mean,
    avg_response_sd_ms: c.avgResponseMs.sd ?? '',
    p50_ms: c.latencyMs.p50,
    p95_ms: c.latencyMs.p95,
    p99_ms: c.latencyMs.p99,
    max_ms: c.latencyMs.max,
    qps_avg: c.qps.avg,
    qps_max: c.qps.max,
    total_requests: c.totalRequests,
    success_rate: c.successRate,
    capacity_bound: c.capacityBound,
    limits_enforced: c.limitsEnforced,
    invalid_trials: c.invalidTrials,
    limited_by: c.limitedBy,
    p95_objective_ms: c.objective.p95ObjectiveMs,
    max_users_within_objective_mean: c.objective.maxUsers.n > 0 ? c.objective.maxUsers.mean : '',
    max_users_within_objective_sd: c.objective.maxUsers.sd ?? '',
    little_ratio: c.steady?.littleRatio ?? '',
    x_max_saturation: c.saturation?.xMax ?? '',
    predicted_max_users: c.model?.predictedMaxUsers ?? '',
    predicted_response_ms: c.model?.predictedResponseMs ?? '',
    model_x_max: c.model?.xMax ?? '',
  };
}

export function summaryCsv(cells: readonly Cell[]): string {
  const lines = [SUMMARY_CSV_COLUMNS.join(',')];
  for (const c of cells) {
    const r = row(c);
    lines.push(SUMMARY_CSV_COLUMNS.map((k) => String(r[k])).join(','));
  }
  return `${lines.join('\n')}\n`;
}
