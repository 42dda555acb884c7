/** One line per finished jct trial, for the live progress and the log. Pure. */
import { counted, groupStats } from '../analyse/jct.js';
import type { JctTrial } from '../record/schema.js';

export function describeJctTrial(t: JctTrial): string {
  const all = groupStats(counted(t.requests));
  const j = all.jctMs;
  return `${t.id}: ${t.policy} at load ${t.utilisation}: ${all.n} requests, p50/p95/p99 JCT ${j.p50.toFixed(1)}/${j.p95.toFixed(1)}/${j.p99.toFixed(1)} ms, ${all.timeouts} timeouts, ${all.errors} errors`;
}
