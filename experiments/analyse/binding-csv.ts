/**
 * The binding study's experiment_summary.csv: one row per policy × load ×
 * size class ("all" first), values exactly as in experiment_results.json.
 * A plan with more than one replica count gets a leading `replicas` column,
 * so every row stays unique. Pure.
 */
import type { BindingCell } from './binding-results.js';

export const BINDING_CSV_COLUMNS = ['policy', 'load', 'size_class', 'n', 'p50_jct_ms', 'p95_jct_ms', 'p99_jct_ms', 'mean_queue_ms', 'timeouts'] as const;

/** A policy label is [a-z0-9-]; quote anyway if a field ever holds a comma or a quote. */
const field = (v: string | number) => (typeof v === 'string' && /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : String(v));

export function bindingCsv(cells: readonly BindingCell[]): string {
  const withReplicas = new Set(cells.map((c) => c.replicas)).size > 1;
  const header = [...(withReplicas ? ['replicas'] : []), ...BINDING_CSV_COLUMNS];
  const lines = [header.join(',')];
  for (const c of cells) {
    for (const k of c.classes) {
      const row = [c.policy, c.load, k.sizeClass, k.n, k.jctMs.p50, k.jctMs.p95, k.jctMs.p99, k.queueMs.mean, k.timeouts];
      lines.push([...(withReplicas ? [c.replicas] : []), ...row].map(field).join(','));
    }
  }
  return `${lines.join('\n')}\n`;
}
