/**
 * The replicas study's tables as plain TableViews (pure): Table 1 in the
 * assignment's layout, the latency and throughput tables, what limited each
 * cell beside the capacity model and the answer within the objective, and
 * the saturation phase. A row per pod count, a column group per location.
 */
import type { Cell } from '../../../experiments/record/schema.js';
import * as f from '../../format.js';
import { WORDS, type Lang } from '../../terms.js';
import type { BodyCell, HeadCell, TableView } from '../types.js';
import type { ReportData } from './data.js';
import { REPLICA_WORDS } from './terms.js';

const NA = (lang: Lang): BodyCell => ({ text: WORDS[lang].na });

/** "48" with "(1 trial)", or "47.3 ± 2.1" with "(n = 3)": one trial has no spread to show. */
export function usersText(stat: Cell['maxUsers'], lang: Lang): BodyCell {
  if (stat.sd === null) return { text: Number.isInteger(stat.mean) ? String(stat.mean) : f.users(stat.mean), note: `(${WORDS[lang].trials(stat.n)})` };
  return { text: `${f.users(stat.mean)} ± ${f.users(stat.sd)}`, note: `(n = ${stat.n})` };
}

function grouped(data: ReportData, lang: Lang, headers: string[], cells: (cell: Cell) => BodyCell[]): { head: HeadCell[][]; rows: BodyCell[][] } {
  const w = WORDS[lang];
  const head: HeadCell[][] = [
    [{ text: w.table1.pods, rowspan: 2, cls: 'pods' }, ...data.locations.map((l) => ({ text: w.locations[l], colspan: headers.length, cls: 'group' }))],
    data.locations.flatMap(() => headers.map((text) => ({ text }))),
  ];
  const rows = data.pods.map((pods, r) => [
    { text: String(pods), cls: 'pods' },
    ...data.locations.flatMap((_, c) => {
      const cell = data.grid[r]?.[c] ?? null;
      return cell && cell.maxUsers.n > 0 ? cells(cell) : headers.map(() => NA(lang));
    }),
  ]);
  return { head, rows };
}

function table1(data: ReportData, lang: Lang): TableView {
  const w = WORDS[lang];
  const rw = REPLICA_WORDS[lang];
  const used = new Map<string, string>();
  const marksOf = (cell: Cell | null): string[] => {
    const marks: [string, string][] = [];
    if (!cell) marks.push(['*', w.footnotes.missing]);
    else {
      if (cell.maxUsers.n > 0) marks.push([rw.limitMark[cell.limitedBy], rw.limitNote(rw.limit[cell.limitedBy])]);
      if (cell.capacityBound) marks.push(['a', w.footnotes.capacity]);
      if (!cell.limitsEnforced) marks.push(['b', w.footnotes.limits]);
      if (cell.invalidTrials > 0) marks.push(['c', w.footnotes.invalid(cell.invalidTrials)]);
    }
    for (const [m, t] of marks) used.set(m, t);
    return marks.map(([m]) => m);
  };
  const head: HeadCell[][] = [
    [{ text: w.table1.pods, rowspan: 2, cls: 'pods' }, ...data.locations.map((l) => ({ text: w.locations[l], colspan: 2, cls: 'group' }))],
    data.locations.flatMap(() => [{ text: w.table1.maxUsers }, { text: w.table1.avgResponse }]),
  ];
  const rows = data.pods.map((pods, r) => [
    { text: String(pods), cls: 'pods' },
    ...data.locations.flatMap((_, c) => {
      const cell = data.grid[r]?.[c] ?? null;
      const marks = marksOf(cell).join(',');
      if (!cell || cell.maxUsers.n === 0) return [{ ...NA(lang), marks }, NA(lang)];
      const response = cell.avgResponseMs.sd === null ? f.ms(cell.avgResponseMs.mean) : f.msPair(cell.avgResponseMs.mean, cell.avgResponseMs.sd);
      return [{ ...usersText(cell.maxUsers, lang), marks }, { text: response }];
    }),
  ]);
  const order = ['R', 'H', 'N', 'G', 'T', 'U', '∞', 'a', 'b', 'c', '*'];
  const footnotes = [...used.entries()].sort(([a], [b]) => order.indexOf(a) - order.indexOf(b)).map(([mark, text]) => ({ mark, text }));
  return { id: 'table1', caption: w.table1.caption, head, rows, footnotes };
}

function latency(data: ReportData, lang: Lang): TableView {
  const t = WORDS[lang].latencyTable;
  const { head, rows } = grouped(data, lang, [t.p50, t.p95, t.p99, t.max], (c) => [c.latencyMs.p50, c.latencyMs.p95, c.latencyMs.p99, c.latencyMs.max].map((v) => ({ text: f.ms(v) })));
  return { id: 'table2', caption: t.caption, head, rows, footnotes: [] };
}

function throughput(data: ReportData, lang: Lang): TableView {
  const t = WORDS[lang].throughputTable;
  const { head, rows } = grouped(data, lang, [t.qpsAvg, t.qpsMax, t.total, t.success], (c) => [
    { text: f.qps(c.qps.avg) }, { text: f.qps(c.qps.max) }, { text: f.count(c.totalRequests) }, { text: f.pct(c.successRate, 1) },
  ]);
  return { id: 'table3', caption: t.caption, head, rows, footnotes: [] };
}

function modelTable(data: ReportData, lang: Lang, objectiveMs: number): TableView {
  const rw = REPLICA_WORDS[lang];
  const t = rw.modelTable;
  const { head, rows } = grouped(data, lang, [t.limited, t.model, t.objective], (c) => [
    { text: rw.limitMark[c.limitedBy], cls: 'text' },
    { text: c.model?.predictedMaxUsers === null || c.model === null ? WORDS[lang].na : String(c.model.predictedMaxUsers) },
    c.objective.maxUsers.n > 0 ? usersText(c.objective.maxUsers, lang) : NA(lang),
  ]);
  const kinds = [...new Set(data.grid.flat().flatMap((c) => (c && c.maxUsers.n > 0 ? [c.limitedBy] : [])))];
  return { id: 'table4', caption: t.caption(objectiveMs), head, rows, footnotes: kinds.map((k) => ({ mark: rw.limitMark[k], text: rw.limit[k] })) };
}

function saturationTable(data: ReportData, lang: Lang): TableView | null {
  if (!data.grid.flat().some((c) => c?.saturation)) return null;
  const t = REPLICA_WORDS[lang].saturationTable;
  const { head, rows } = grouped(data, lang, [t.xMax, t.unloaded, t.cpu], (c) => {
    if (!c.saturation) return [NA(lang), NA(lang), NA(lang)];
    const one = c.saturation.levels.find((l) => l.concurrency === 1);
    const cpu = c.model?.cpuPerRequestS ?? c.saturation.cpuPerRequestS;
    return [{ text: f.qps(c.saturation.xMax) }, one ? { text: f.ms(one.meanMs) } : NA(lang), cpu ? { text: f.ms(cpu * 1000) } : NA(lang)];
  });
  return { id: 'table5', caption: t.caption, head, rows, footnotes: [] };
}

export function tables(data: ReportData, lang: Lang, objectiveMs: number): TableView[] {
  const out = [table1(data, lang), latency(data, lang), throughput(data, lang), modelTable(data, lang, objectiveMs)];
  const sat = saturationTable(data, lang);
  return sat ? [...out, sat] : out;
}
