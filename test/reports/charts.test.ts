import assert from 'node:assert/strict';
import { test } from 'node:test';
import { figures } from '../../reports/sections/replicas/charts.js';
import { buildReportData, type RunInput } from '../../reports/sections/replicas/data.js';
import { renderSvg } from '../../reports/svg.js';
import { loadFixtureRun } from '../fixtures/make-run-fixture.js';

function data(run = loadFixtureRun()) {
  const input: RunInput = { runDir: '/tmp/x', results: run.results, trials: run.trials, summaryRows: null, plan: null, environment: null, deployment: null, replicaLogs: [], warnings: [] };
  return buildReportData(input);
}

type Layer = { data?: { values: Record<string, unknown>[] } };

test('the scaling figure draws the capacity model\'s prediction per cell beside the measurement, and the what-if as model output', () => {
  const run = loadFixtureRun();
  const [scaling] = figures(data(run), 'en');
  const layers = (scaling!.spec as { layer: Layer[] }).layer;
  const model = layers[0]!.data!.values as { location: string; pods: number; predicted: number }[];
  const want = run.results.cells.filter((c) => c.location === 'remote' && c.model?.predictedMaxUsers != null).map((c) => c.model!.predictedMaxUsers);
  assert.deepEqual(model.filter((r) => r.location === 'Remote client').map((r) => r.predicted), want);
  const whatIf = layers[1]!.data!.values as { pods: number }[];
  assert.deepEqual([...new Set(whatIf.map((p) => p.pods))], run.results.whatIf.filter((w) => w.predictedMaxUsers !== null).map((w) => w.replicas).filter((v, i, a) => a.indexOf(v) === i));
});

test('error bars span mean ± sd of each cell', () => {
  const run = loadFixtureRun();
  const [scaling] = figures(data(run), 'en');
  const bars = ((scaling!.spec as { layer: Layer[] }).layer[2]!.data!.values) as { pods: number; location: string; lo: number; hi: number }[];
  const cell = run.results.cells.find((c) => c.replicas === 8 && c.location === 'cluster')!;
  const bar = bars.find((b) => b.pods === 8 && b.location === 'Master node')!;
  assert.ok(Math.abs(bar.hi - bar.lo - 2 * (cell.maxUsers.sd ?? 0)) < 1e-9);
});

test('figures without data are left out instead of drawn empty', () => {
  const run = loadFixtureRun();
  run.trials = [];
  for (const c of run.results.cells) {
    c.requestsPerReplica = {};
    c.saturation = null;
  }
  assert.deepEqual(figures(data(run), 'en').map((f) => f.id), ['scaling']);
});

test('every figure renders to a scalable SVG with vector marks and real text', async () => {
  for (const fig of figures(data(), 'en')) {
    const svg = await renderSvg(fig.spec);
    assert.match(svg, /^<svg[^>]*viewBox="0 0 [\d.]+ [\d.]+"/, fig.id);
    assert.doesNotMatch(svg.slice(0, 200), /^<svg[^>]* width="/, fig.id);
    assert.ok((svg.match(/<path/g) ?? []).length > 5, `${fig.id} has paths`);
    assert.match(svg, /<text[^>]*>[^<]+<\/text>/, fig.id);
    assert.doesNotMatch(svg, /<image/, fig.id);
  }
});
