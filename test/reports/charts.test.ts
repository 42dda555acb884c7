import assert from 'node:assert/strict';
import { test } from 'node:test';
import { figures } from '../../reports/sections/replicas/charts.js';
import { buildReportData, type RunInput } from '../../reports/sections/replicas/data.js';
import { renderSvg } from '../../reports/svg.js';
import { loadFixtureRun } from '../fixtures/make-run-fixture.js';

function data(run = loadFixtureRun()) {
  const input: RunInput = { runDir: '/tmp/x', results: run.results, trials: run.trials, summaryRows: null, plan: null, environment: null, deployment: null, replicaLogs: [] };
  return buildReportData(input);
}

type Layer = { data?: { values: Record<string, unknown>[] } };

test('the scaling figure draws the ideal line as the 1-pod mean times the pod count', () => {
  const run = loadFixtureRun();
  const [scaling] = figures(data(run), 'en');
  const ideal = ((scaling!.spec as { layer: Layer[] }).layer[0]!.data!.values) as { location: string; pods: number; ideal: number }[];
  const one = run.results.cells.find((c) => c.replicas === 1 && c.location === 'remote')!.maxUsers.mean;
  assert.deepEqual(ideal.filter((r) => r.location === 'Remote client').map((r) => r.ideal), [1, 2, 4, 8].map((p) => one * p));
});

test('error bars span mean ± sd of each cell', () => {
  const run = loadFixtureRun();
  const [scaling] = figures(data(run), 'en');
  const bars = ((scaling!.spec as { layer: Layer[] }).layer[1]!.data!.values) as { pods: number; location: string; lo: number; hi: number }[];
  const cell = run.results.cells.find((c) => c.replicas === 8 && c.location === 'cluster')!;
  const bar = bars.find((b) => b.pods === 8 && b.location === 'Master node')!;
  assert.ok(Math.abs(bar.hi - bar.lo - 2 * (cell.maxUsers.sd ?? 0)) < 1e-9);
});

test('figures without data are left out instead of drawn empty', () => {
  const run = loadFixtureRun();
  run.trials = [];
  for (const c of run.results.cells) c.requestsPerReplica = {};
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
