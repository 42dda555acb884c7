/**
 * The binding study's tables as plain TableViews (pure): JCT by policy and
 * load, p95 JCT and slowdown by size class, the short-job comparison with
 * round-robin, and what each replica did.
 */
import type { BindingCell, BindingResults } from '../../../experiments/analyse/binding-results.js';
import * as f from '../../format.js';
import { WORDS, type Lang } from '../../terms.js';
import type { BodyCell, HeadCell, TableView } from '../types.js';
import { BINDING_WORDS } from './terms.js';

const text = (t: string, cls?: string): BodyCell => (cls ? { text: t, cls } : { text: t });
const measured = (r: BindingResults) => r.cells.filter((c) => c.trials > 0);
const allOf = (c: BindingCell) => c.classes.find((k) => k.sizeClass === 'all')!;
const mean = (xs: number[]) => (xs.length > 0 ? xs.reduce((a, b) => a + b, 0) / xs.length : null);

/** The p95 JCT of the short classes, pooled: the comparison's own number when there is one. */
function shortP95(r: BindingResults, c: BindingCell): string {
  const cmp = r.comparisons.find((x) => x.load === c.load && x.replicas === c.replicas && (x.policy === c.policy || x.baseline === c.policy));
  if (!cmp) return '–';
  return f.ms(cmp.policy === c.policy ? cmp.policyP95Ms : cmp.baselineP95Ms);
}

function jctTable(r: BindingResults, lang: Lang): TableView {
  const b = BINDING_WORDS[lang];
  const head: HeadCell[][] = [[b.policy, b.load, b.n, b.p50, b.p95, b.p99, b.shortP95, b.queue, b.timeouts, b.cpu].map((t, i) => ({ text: t, ...(i < 2 ? { cls: 'text' } : {}) }))];
  const rows = measured(r).map((c) => {
    const a = allOf(c);
    const cpu = mean(c.replicaUse.flatMap((u) => (u.cpu === undefined ? [] : [u.cpu])));
    return [text(c.policy, 'text'), text(String(c.load), 'text'), text(f.count(a.n)), text(f.ms(a.jctMs.p50)), text(f.ms(a.jctMs.p95)), text(f.ms(a.jctMs.p99)), text(shortP95(r, c)), text(f.ms(a.queueMs.mean)), text(String(a.timeouts)), text(cpu === null ? WORDS[lang].na : f.pct(cpu, 0))];
  });
  return { id: 'jct', caption: b.jctTable, head, rows, footnotes: [] };
}

function classTable(r: BindingResults, lang: Lang): TableView {
  const b = BINDING_WORDS[lang];
  const cells = measured(r);
  const policies = [...new Set(cells.map((c) => c.policy))];
  const loads = [...new Set(cells.map((c) => c.load))];
  const head: HeadCell[][] = [[{ text: b.load, cls: 'text' }, { text: b.sizeClass, cls: 'text' }, ...policies.map((p) => ({ text: p }))]];
  const rows = loads.flatMap((load) =>
    r.sizes.units.map((u) => [
      text(String(load), 'text'),
      text(String(u), 'text'),
      ...policies.map((p) => {
        const k = cells.find((c) => c.policy === p && c.load === load)?.classes.find((x) => x.sizeClass === String(u));
        return text(k && k.ok > 0 ? `${f.ms(k.jctMs.p95)} / ${k.slowdown.p50.toFixed(1)}` : WORDS[lang].na);
      }),
    ]),
  );
  return { id: 'classes', caption: b.classTable, head, rows, footnotes: [] };
}

function compareTable(r: BindingResults, lang: Lang): TableView {
  const b = BINDING_WORDS[lang];
  const head: HeadCell[][] = [[b.policy, b.load, b.p95, b.baseline, b.difference, b.verdict].map((t, i) => ({ text: t, ...(i < 2 || i === 5 ? { cls: 'text' } : {}) }))];
  const footnotes: TableView['footnotes'] = [];
  const rows = r.comparisons.map((c) => {
    if (c.limitedBy && footnotes.length === 0) footnotes.push({ mark: 'H', text: c.limitedBy });
    return [
      text(c.policy, 'text'),
      text(String(c.load), 'text'),
      { text: f.ms(c.policyP95Ms), note: `(n = ${c.policyN})` },
      { text: f.ms(c.baselineP95Ms), note: `(n = ${c.baselineN})` },
      text(`${f.ms(c.differenceMs)} [${f.ms(c.ci95[0])}, ${f.ms(c.ci95[1])}]`),
      { text: b.verdicts[c.verdict], cls: 'text', ...(c.limitedBy ? { marks: 'H' } : {}) },
    ];
  });
  return { id: 'short', caption: b.compareTable(r.shortClasses.join(', ')), head, rows, footnotes };
}

function replicaTable(r: BindingResults, lang: Lang): TableView {
  const b = BINDING_WORDS[lang];
  const na = WORDS[lang].na;
  const head: HeadCell[][] = [[b.policy, b.load, b.replica, b.cpu, b.busy, b.handover, b.held, b.throttled, b.served].map((t, i) => ({ text: t, ...(i < 3 ? { cls: 'text' } : {}) }))];
  const rows = measured(r).flatMap((c) =>
    c.replicaUse.map((u, i) => [
      text(i === 0 ? c.policy : '', 'text'),
      text(i === 0 ? String(c.load) : '', 'text'),
      // replica names carry the run's tag; the index after it is what tells them apart
      text(u.name.replace(/^.*?(replica-\d+)$/, '$1'), 'text'),
      text(u.cpu === undefined ? na : f.pct(u.cpu, 0)),
      text(f.pct(u.busy, 0)),
      text(f.pct(u.handover, 0)),
      text(u.held.toFixed(2)),
      text(u.throttled === undefined ? na : f.pct(u.throttled, 0)),
      text(f.count(u.served)),
    ]),
  );
  return { id: 'replicas', caption: b.replicaTable, head, rows, footnotes: [] };
}

export function tables(r: BindingResults, lang: Lang): TableView[] {
  return [jctTable(r, lang), classTable(r, lang), ...(r.comparisons.length > 0 ? [compareTable(r, lang)] : []), replicaTable(r, lang)];
}
