/**
 * An "Analysis" section generated from the data, for a report whose author
 * has not written one yet (labelled as generated; the author's text replaces
 * it): how max users scaled and what limited each step, the capacity model
 * against the measurement, the steady-state evidence behind the answers,
 * the host's share, and the spread over trials. Pure; under 1000 words for
 * the assignment's matrix.
 */
import type { Cell } from '../../../experiments/record/schema.js';
import * as f from '../../format.js';
import { WORDS, type Lang } from '../../terms.js';
import { cellAt, type ReportData } from './data.js';
import { REPLICA_WORDS } from './terms.js';

const users = (c: Cell) => (c.maxUsers.sd === null ? String(c.maxUsers.mean) : f.users(c.maxUsers.mean));

export function generatedAnalysis(data: ReportData, lang: Lang, hostCores: number | null): string[] {
  const w = WORDS[lang];
  const rw = REPLICA_WORDS[lang];
  const a = rw.analysis;
  const cells = data.grid.flat().filter((c): c is Cell => c !== null && c.maxUsers.n > 0);
  if (cells.length === 0) return [];
  const out: string[] = [];
  for (const loc of data.locations) {
    const steps = data.pods.map((p) => cellAt(data, p, loc)).filter((c): c is Cell => c !== null && c.maxUsers.n > 0);
    if (steps.length > 0) out.push(a.scaling(w.locations[loc], steps.map((c) => a.step(c.replicas, users(c), f.qps(c.qps.avg), rw.limit[c.limitedBy])).join(lang === 'zh' ? '；' : '; ')));
  }
  const modelled = cells.filter((c) => c.model?.predictedMaxUsers !== null && c.model?.predictedMaxUsers !== undefined);
  if (modelled.length > 0) {
    const off = modelled.filter((c) => Math.abs(c.model!.predictedMaxUsers! / c.maxUsers.mean - 1) > 0.2);
    const list = off.map((c) => `${rw.cell(c.replicas, w.locations[c.location])} (model ${c.model!.predictedMaxUsers}, measured ${users(c)}, limited by ${rw.limit[c.limitedBy]}: ${c.limitEvidence})`).join(lang === 'zh' ? '；' : '; ');
    out.push(a.model(modelled.length - off.length, modelled.length, list));
  }
  const steady = cells.filter((c) => c.steady);
  if (steady.length > 0) {
    const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    out.push(a.steady(mean(steady.map((c) => c.steady!.littleRatio)).toFixed(2), mean(steady.map((c) => c.steady!.warmupS)).toFixed(1)));
  }
  const bound = cells.filter((c) => c.capacityBound);
  if (bound.length > 0 && hostCores !== null) out.push(a.host(bound.map((c) => rw.cell(c.replicas, w.locations[c.location])).join(lang === 'zh' ? '、' : ', '), hostCores));
  const spread = cells.map((c) => `${rw.cell(c.replicas, w.locations[c.location])} ${c.maxUsers.sd === null ? `${users(c)} (${w.trials(c.maxUsers.n)})` : `${users(c)} ± ${f.users(c.maxUsers.sd)} (n = ${c.maxUsers.n})`}`);
  out.push(a.spread(spread.join(lang === 'zh' ? '；' : '; ')));
  return out;
}
