/**
 * Report numbers → Vega-Lite specs, one per figure. Pure; reports/svg.ts
 * turns them into static SVG so the page needs no JavaScript and the PDF
 * keeps vector paths and real text.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { Location } from '../../../experiments/contracts/domain.js';
import { cellAt, type ReportData } from './data.js';
import { WORDS, type Lang } from '../../terms.js';
import { REPLICA_WORDS } from './terms.js';
import { config, PALETTE, WIDTH } from '../chart-style.js';

export interface Figure {
  id: 'scaling' | 'latency' | 'saturation' | 'balance';
  caption: string;
  spec: TopLevelSpec;
}

/** Measured max users (points, ± sd) and the capacity model (lines), plus the model's what-if at 16 and 32 pods. */
function scaling(data: ReportData, lang: Lang): TopLevelSpec {
  const w = WORDS[lang];
  const rows = data.locations.flatMap((loc: Location) => data.pods.flatMap((pods) => {
    const cell = cellAt(data, pods, loc);
    if (!cell || cell.maxUsers.n === 0) return [];
    const { mean, sd } = cell.maxUsers;
    return [{ location: w.locations[loc], pods, mean, lo: Math.max(0, mean - (sd ?? 0)), hi: mean + (sd ?? 0) }];
  }));
  const model = data.locations.flatMap((loc) => data.pods.flatMap((pods) => {
    const predicted = cellAt(data, pods, loc)?.model?.predictedMaxUsers;
    return predicted === null || predicted === undefined ? [] : [{ location: w.locations[loc], pods, predicted }];
  }));
  const whatIf = data.whatIf.flatMap((p) => (p.predictedMaxUsers === null ? [] : [{ location: w.locations[p.location], pods: p.replicas, predicted: p.predictedMaxUsers }]));
  const allPods = [...new Set([...data.pods, ...whatIf.map((p) => p.pods)])].sort((a, b) => a - b);
  const x = { field: 'pods', type: 'quantitative' as const, title: w.axes.pods, scale: { type: 'log' as const, base: 2 }, axis: { values: allPods, format: 'd' } };
  const color = { field: 'location', type: 'nominal' as const, title: null, legend: { orient: 'top-left' as const, fillColor: 'white', padding: 4 } };
  const y = { type: 'quantitative' as const, title: w.axes.maxUsers, scale: { type: 'log' as const } };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    width: WIDTH - 40,
    height: 200,
    config: config(lang),
    layer: [
      { data: { values: model }, mark: { type: 'line', strokeDash: [5, 4], strokeWidth: 1.2 }, encoding: { x, y: { ...y, field: 'predicted' }, color } },
      { data: { values: whatIf }, mark: { type: 'point', shape: 'diamond', filled: false, size: 60 }, encoding: { x, y: { ...y, field: 'predicted' }, color } },
      { data: { values: rows }, mark: { type: 'errorbar', ticks: { size: 8 } }, encoding: { x, y: { ...y, field: 'lo' }, y2: { field: 'hi' }, color } },
      { data: { values: rows }, mark: { type: 'point', filled: true, size: 50 }, encoding: { x, y: { ...y, field: 'mean' }, color } },
    ],
  };
}

/** A line per pod count, one panel per client location. */
function perLocationLines(data: ReportData, lang: Lang, values: Record<string, unknown>[], x: { field: string; title: string; log?: boolean }, y: { field: string; title: string }, height: number): TopLevelSpec {
  const w = WORDS[lang];
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    config: config(lang),
    data: { values },
    facet: { column: { field: 'location', type: 'nominal', title: null, sort: data.locations.map((l) => w.locations[l]) } },
    spec: {
      width: WIDTH / 2 - 50,
      height,
      mark: { type: 'line', point: { filled: true, size: 25 }, strokeWidth: 1.4 },
      encoding: {
        x: { field: x.field, type: 'quantitative', title: x.title, ...(x.log ? { scale: { type: 'log', base: 2 } } : {}) },
        y: { field: y.field, type: 'quantitative', title: y.title },
        color: { field: 'pods', type: 'ordinal', title: w.axes.pods, scale: { range: PALETTE }, legend: { orient: 'right' } },
      },
    },
  };
}

/** Throughput against connections in the saturation phase, one line per cell. */
function saturation(data: ReportData, lang: Lang): TopLevelSpec {
  const w = WORDS[lang];
  const rw = REPLICA_WORDS[lang];
  const values = data.grid.flat().flatMap((c) => (c?.saturation ? c.saturation.levels.map((l) => ({ pods: c.replicas, location: w.locations[c.location], connections: l.concurrency, throughput: l.throughput })) : []));
  return perLocationLines(data, lang, values, { field: 'connections', title: rw.axes.connections, log: true }, { field: 'throughput', title: rw.axes.throughput }, 170);
}

/** Mean response time against users during the search. */
function latency(data: ReportData, lang: Lang): TopLevelSpec {
  const w = WORDS[lang];
  const values = data.curves.map((c) => ({ location: w.locations[c.location], pods: c.replicas, users: c.users, meanMs: Math.round(c.meanMs) }));
  return perLocationLines(data, lang, values, { field: 'users', title: w.axes.users }, { field: 'meanMs', title: w.axes.latency }, 200);
}

function balance(data: ReportData, lang: Lang): TopLevelSpec {
  const w = WORDS[lang];
  // stack by hand: each replica is a segment from its cumulative start, labelled at its middle
  const rows: { row: string; order: number; replica: number; start: number; end: number; mid: number; label: string }[] = [];
  data.locations.forEach((loc, li) => {
    for (const pods of data.pods) {
      let start = 0;
      for (const bar of data.balance.filter((b) => b.location === loc && b.replicas === pods)) {
        const share = bar.share * 100;
        rows.push({
          row: `${w.locations[loc]}, ${w.podCount(pods)}`, order: li * 1000 + pods, replica: bar.index,
          start, end: start + share, mid: start + share / 2, label: share >= 6 ? share.toFixed(1) : '',
        });
        start += share;
      }
    }
  });
  const y = { field: 'row', type: 'nominal' as const, title: null, sort: { field: 'order', order: 'ascending' as const }, axis: { labelLimit: 300 } };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    width: WIDTH - 150,
    config: config(lang),
    data: { values: rows },
    layer: [
      {
        mark: { type: 'bar', stroke: 'white', strokeWidth: 1, height: { band: 0.75 } },
        encoding: {
          y,
          x: { field: 'start', type: 'quantitative', title: w.axes.share, scale: { domain: [0, 100] }, axis: { values: [0, 12.5, 25, 50, 75, 100], format: '.1~f' } },
          x2: { field: 'end' },
          color: { field: 'replica', type: 'ordinal', legend: null, scale: { range: ['#1f4e79', '#6f95c2'] } },
        },
      },
      {
        mark: { type: 'text', color: 'white', fontSize: 9 },
        encoding: { y, x: { field: 'mid', type: 'quantitative' }, text: { field: 'label' } },
      },
    ],
  };
}

export function figures(data: ReportData, lang: Lang): Figure[] {
  const caps = WORDS[lang].figures;
  const out: Figure[] = [{ id: 'scaling', caption: REPLICA_WORDS[lang].figures.scaling, spec: scaling(data, lang) }];
  if (data.curves.length > 0) out.push({ id: 'latency', caption: caps.latency, spec: latency(data, lang) });
  if (data.grid.flat().some((c) => c?.saturation)) out.push({ id: 'saturation', caption: REPLICA_WORDS[lang].figures.saturation, spec: saturation(data, lang) });
  if (data.balance.length > 0) out.push({ id: 'balance', caption: caps.balance, spec: balance(data, lang) });
  return out;
}
