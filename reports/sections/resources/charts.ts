/**
 * The resources section's figures as Vega-Lite specs (pure): a heatmap of
 * images/s by configuration and task/model with the configurations that
 * did not serve marked, and images/s against the CPU limit per model and
 * memory level beside the linear expectation from the smallest CPU, with
 * the point past which the host, not the replica, sets the limit.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { ResourceRow } from '../../../experiments/analyse/resources-rows.js';
import * as f from '../../format.js';
import type { Lang } from '../../terms.js';
import { config, WIDTH } from '../chart-style.js';
import type { FigureView } from '../types.js';
import type { ResourcesRun } from './load.js';
import { RESOURCE_WORDS } from './terms.js';

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v5.json';
/** The model names the column; pose is said, detection is the default task. */
const taskModel = (r: ResourceRow) => (r.task === 'pose' ? `${r.model} (pose)` : r.model);

function heatmap(run: ResourcesRun, lang: Lang): TopLevelSpec {
  const rw = RESOURCE_WORDS[lang];
  const configurations = [...new Set(run.rows.map((r) => r.configuration))];
  const columns = [...new Set(run.rows.map(taskModel))];
  const values = run.rows.map((r) => ({
    configuration: r.configuration,
    taskModel: taskModel(r),
    rate: r.status === 'success' ? r.imagesPerS.mean : null,
    label: r.status === 'success' ? `${f.qps(r.imagesPerS.mean)}${r.capacityBound ? '*' : ''}` : (rw.status[r.status] ?? r.status),
  }));
  // no grid: on bands it would strike through every label
  const x = { field: 'taskModel', type: 'nominal' as const, title: rw.axes.taskModel, sort: columns, axis: { labelAngle: 0, grid: false, labelLimit: 140 } };
  const y = { field: 'configuration', type: 'nominal' as const, title: rw.axes.configuration, sort: configurations, axis: { grid: false, labelLimit: 200 } };
  return {
    $schema: SCHEMA,
    width: WIDTH - 200,
    height: Math.max(120, 16 * configurations.length),
    config: config(lang),
    data: { values },
    layer: [
      { mark: { type: 'rect', stroke: 'white' }, encoding: { x, y, color: { value: '#eeeeee' } } },
      {
        transform: [{ filter: 'datum.rate !== null' }],
        mark: { type: 'rect', stroke: 'white' },
        encoding: { x, y, color: { field: 'rate', type: 'quantitative', title: rw.axes.imagesPerS, scale: { scheme: 'blues' }, legend: { orient: 'right' } } },
      },
      { mark: { type: 'text', fontSize: 10 }, encoding: { x, y, text: { field: 'label', type: 'nominal' }, color: { condition: { test: 'datum.rate === null', value: '#8b0000' }, value: 'black' } } },
    ],
  };
}

function scaling(run: ResourcesRun, lang: Lang): TopLevelSpec {
  const rw = RESOURCE_WORDS[lang];
  const served = run.rows.filter((r) => r.status === 'success' && r.gpu === null);
  const series = (r: ResourceRow) => `${r.model}, ${r.memoryMi} MiB`;
  const measured = served.map((r) => ({ series: series(r), cpu: r.cpu, rate: r.imagesPerS.mean, bound: r.capacityBound }));
  const expected = [...new Set(served.map(series))].flatMap((s) => {
    const points = served.filter((r) => series(r) === s).sort((a, b) => a.cpu - b.cpu);
    const base = points[0];
    return points.length < 2 || !base ? [] : points.map((r) => ({ series: s, cpu: r.cpu, rate: (base.imagesPerS.mean * r.cpu) / base.cpu }));
  });
  // the largest replica CPU the host gives beside the load generator
  const hostLimit = run.plan.hostCores - run.plan.config.loadGenerator.cpu;
  const x = { field: 'cpu', type: 'quantitative' as const, title: rw.axes.cpu };
  // the measurements set the scale; an expectation that outruns them leaves the plot (clipped) instead of flattening them
  const top = 1.4 * Math.max(...measured.map((m) => m.rate));
  const y = { field: 'rate', type: 'quantitative' as const, title: rw.axes.imagesPerS, scale: { domain: [0, top], nice: false } };
  const color = { field: 'series', type: 'nominal' as const, title: rw.axes.series, legend: { orient: 'bottom' as const, columns: 3, labelLimit: 200 } };
  return {
    $schema: SCHEMA,
    width: WIDTH - 40,
    height: 220,
    config: config(lang),
    layer: [
      { data: { values: expected }, mark: { type: 'line', strokeDash: [5, 4], strokeWidth: 1, clip: true }, encoding: { x, y, color } },
      { data: { values: measured }, mark: { type: 'line', point: true, strokeWidth: 1.5 }, encoding: { x, y, color } },
      { data: { values: measured.filter((m) => m.bound) }, mark: { type: 'point', shape: 'diamond', filled: false, size: 120, color: 'black' }, encoding: { x, y } },
      { data: { values: [{ cpu: hostLimit, label: rw.axes.hostLimit }] }, mark: { type: 'rule', strokeDash: [1, 3], color: '#444' }, encoding: { x } },
      { data: { values: [{ cpu: hostLimit, rate: top, label: rw.axes.hostLimit }] }, mark: { type: 'text', align: 'left', baseline: 'top', dx: 4, dy: 4, fontSize: 10 }, encoding: { x, y, text: { field: 'label' } } },
    ],
  };
}

export function resourceFigures(run: ResourcesRun, lang: Lang): FigureView[] {
  const rw = RESOURCE_WORDS[lang];
  const figures: FigureView[] = [{ id: 'heatmap', caption: rw.heatmap, spec: heatmap(run, lang) }];
  if (run.rows.some((r) => r.status === 'success' && r.gpu === null)) figures.push({ id: 'cpu-scaling', caption: rw.scaling, spec: scaling(run, lang) });
  return figures;
}
