/**
 * The binding study's figures as Vega-Lite specs (pure): the JCT
 * distribution per policy from the trials' requests, and the median
 * slowdown by size class from the results.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { BindingResults } from '../../../experiments/analyse/binding-results.js';
import { counted, jctMs, outcomeOf } from '../../../experiments/analyse/jct.js';
import type { JctTrial } from '../../../experiments/record/schema.js';
import { config as chartConfig, WIDTH } from '../chart-style.js';
import type { Lang } from '../../terms.js';
import type { FigureView } from '../types.js';
import { BINDING_WORDS } from './terms.js';

/** Points per CDF line: enough for a smooth curve, few enough for a small SVG. */
const CDF_POINTS = 150;

/** Per policy (and load, when there are several), the JCT at evenly spaced shares of the jobs. */
export function cdfPoints(trials: readonly JctTrial[]): { policy: string; jctMs: number; share: number }[] {
  const loads = new Set(trials.map((t) => t.utilisation)).size;
  const groups = new Map<string, number[]>();
  for (const t of trials) {
    const key = loads > 1 ? `${t.policy} @${t.utilisation}` : t.policy;
    const jcts = counted(t.requests).filter((r) => outcomeOf(r) !== 'error').map(jctMs);
    groups.set(key, [...(groups.get(key) ?? []), ...jcts]);
  }
  return [...groups.entries()].flatMap(([policy, values]) => {
    const sorted = values.sort((a, b) => a - b);
    const step = Math.max(1, Math.floor(sorted.length / CDF_POINTS));
    const picks = sorted.flatMap((v, i) => (i % step === 0 || i === sorted.length - 1 ? [{ policy, jctMs: Math.max(v, 0.1), share: (i + 1) / sorted.length }] : []));
    return picks;
  });
}

function cdf(trials: readonly JctTrial[], lang: Lang): TopLevelSpec {
  const b = BINDING_WORDS[lang];
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    width: WIDTH - 170,
    height: 220,
    config: chartConfig(lang),
    data: { values: cdfPoints(trials) },
    mark: { type: 'line', strokeWidth: 1.4, interpolate: 'step-after' },
    encoding: {
      x: { field: 'jctMs', type: 'quantitative', title: b.jct, scale: { type: 'log' } },
      y: { field: 'share', type: 'quantitative', title: b.share, scale: { domain: [0, 1] } },
      color: { field: 'policy', type: 'nominal', title: null, legend: { orient: 'right' } },
    },
  };
}

function slowdown(r: BindingResults, lang: Lang): TopLevelSpec {
  const b = BINDING_WORDS[lang];
  const loads = new Set(r.cells.map((c) => c.load)).size;
  const values = r.cells
    .filter((c) => c.trials > 0)
    .flatMap((c) => c.classes.filter((k) => k.sizeClass !== 'all' && k.ok > 0).map((k) => ({ policy: loads > 1 ? `${c.policy} @${c.load}` : c.policy, units: Number(k.sizeClass), slowdown: Math.max(k.slowdown.p50, 0.01) })));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    width: WIDTH - 170,
    height: 220,
    config: chartConfig(lang),
    data: { values },
    mark: { type: 'line', point: { filled: true, size: 30 }, strokeWidth: 1.4 },
    encoding: {
      x: { field: 'units', type: 'quantitative', title: b.units, scale: { type: 'log' } },
      y: { field: 'slowdown', type: 'quantitative', title: b.slowdownAxis, scale: { type: 'log' } },
      color: { field: 'policy', type: 'nominal', title: null, legend: { orient: 'right' } },
    },
  };
}

export function figures(r: BindingResults, trials: readonly JctTrial[], lang: Lang): FigureView[] {
  const b = BINDING_WORDS[lang];
  return [
    ...(trials.length > 0 ? [{ id: 'cdf', caption: b.cdf, spec: cdf(trials, lang) }] : []),
    { id: 'slowdown', caption: b.slowdown, spec: slowdown(r, lang) },
  ];
}
