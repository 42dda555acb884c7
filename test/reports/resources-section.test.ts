/** The resources study's report section on a run directory made from fixture trials. */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveConfig } from '../../experiments/plan/config.js';
import { buildPlan } from '../../experiments/plan/plan.js';
import { resourcesStudy } from '../../experiments/studies/resources.js';
import { loadRunFiles } from '../../reports/run-files.js';
import { resourcesSection } from '../../reports/sections/resources/index.js';
import type { FigureView, TableView } from '../../reports/sections/types.js';
import { renderSvg } from '../../reports/svg.js';
import { tempDir } from '../experiments/helpers.js';
import { workloadTrial } from '../experiments/resources-fixtures.js';

const tmp = await tempDir('cd-res-report-');
after(() => tmp.cleanup());

function runDir(): string {
  const config = resolveConfig({
    study: 'resources',
    resources: {
      grid: { cpus: [0.25, 0.5, 1, 2], memoryMi: [64, 512] },
      configurations: [{ name: 'gpu-half', cpu: 1, memoryMi: 1024, gpu: { count: 1, coresPercent: 50 } }],
      models: [{ name: 'yolox-nano', task: 'detection', model: 'model/a.onnx' }],
    },
  }, 'test');
  const plan = buildPlan(config, { runId: 'res-report', backend: 'local', machineCores: 2, fitHost: false, profile: 'quick', now: new Date(0) });
  const trials = [
    ...['0.25', '0.5', '1', '2'].map((cpu, i) => workloadTrial({ cell: `yolox-nano-cpu${cpu}-mem512`, rate: [4, 8, 12, 12][i], aloneMs: 150, hostBusy: 0.5 })),
    ...['0.25', '0.5', '1', '2'].map((cpu) => workloadTrial({ cell: `yolox-nano-cpu${cpu}-mem64`, status: 'oom', usage: null, startupS: null })),
  ];
  const dir = join(tmp.dir, 'run');
  mkdirSync(join(dir, 'trials'), { recursive: true });
  writeFileSync(join(dir, 'plan.json'), JSON.stringify(plan));
  for (const t of trials) writeFileSync(join(dir, 'trials', `${t.id}.json`), JSON.stringify(t));
  for (const [name, text] of Object.entries(resourcesStudy.analyse(plan, trials, { limitsEnforced: true, createdAt: plan.createdAt }))) writeFileSync(join(dir, name), text);
  return dir;
}

test('the section has the recommendations, the measured configurations, a heatmap with OOM marked and images/s against CPU', async () => {
  const body = resourcesSection.build(loadRunFiles(runDir()), 'en');
  const tables = body.blocks.flatMap((b) => ('table' in b ? [b.table] : [])) as TableView[];
  const figures = body.blocks.flatMap((b) => ('figure' in b ? [b.figure] : [])) as FigureView[];
  assert.deepEqual(tables.map((t) => t.id), ['optimal', 'measured']);
  assert.match(tables[0]!.rows[0]![1]!.text, /^cpu1-mem512 \(12\.0 images\/s/);
  assert.equal(tables[1]!.rows.length, 8, 'the skipped GPU configuration is counted in the caption, not listed');
  assert.match(tables[1]!.caption, /1 configuration was skipped \(GPU share not available on this backend\)/);
  assert.ok(tables[1]!.rows.some((r) => r[4]!.text === 'OOM'));
  assert.equal(tables[1]!.rows.find((r) => r[0]!.text === 'cpu2-mem512')![0]!.marks, 'a', 'over host capacity is marked');
  assert.deepEqual(figures.map((f) => f.id), ['heatmap', 'cpu-scaling']);
  const heat = JSON.stringify(figures[0]!.spec);
  assert.match(heat, /"label":"OOM"/);
  assert.match(heat, /"label":"skipped"/);
  const scaling = figures[1]!.spec as { layer: { data: { values: { cpu: number; rate: number }[] } }[] };
  assert.deepEqual(scaling.layer[0]!.data.values.map((v) => v.rate), [4, 8, 16, 32], 'the linear expectation from 0.25 CPU');
  assert.deepEqual(scaling.layer[3]!.data.values.map((v) => v.cpu), [1], 'the host gives a replica at most 2 - 1 cores');
  for (const f of figures) assert.match(await renderSvg(f.spec), /^<svg/);
  assert.match(body.setup, /8 configurations \(CPU 0\.25, 0\.5, 1, 2 cores; memory 64, 512 MiB\) × yolox-nano \(detection\)/);
  assert.ok(body.observations.some((o) => /OOM-killed/.test(o)));
  assert.match(body.analysis[0]!, /^For yolox-nano, cpu1-mem512 gave the most images\/s and cpu0\.25-mem512 the most per CPU/);
  assert.deepEqual(body.banners.length, 1, 'a quick run is a smoke run');
  assert.deepEqual(body.files.map((f) => f.href), ['experiment_results.csv', 'experiment_analysis.csv', 'experiment_summary.json', 'optimal_configurations.json']);
  const zh = resourcesSection.build(loadRunFiles(runDir()), 'zh');
  assert.match(zh.setup, /每种配置/);
  assert.ok(zh.warnings.some((w) => /英文/.test(w)));
});
