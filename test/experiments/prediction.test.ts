/** --dry-run's model forecast: from an earlier run's measured demand, or a plain "none". */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { earlierDemand, forecastLines } from '../../experiments/cli/prediction.js';
import { loadFixtureRun, writeRun } from '../fixtures/make-run-fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'cd-forecast-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('with no earlier run the forecast says there is none, and why', () => {
  const { plan } = loadFixtureRun();
  assert.deepEqual(forecastLines(plan, earlierDemand(join(dir, 'empty'), plan)), [
    'model forecast: none (no earlier run of this task and model measured its CPU per request; the run itself will)',
  ]);
});

test('an earlier run of the same task and model gives a line per planned cell from its measured demand', () => {
  const run = loadFixtureRun();
  writeRun(join(dir, 'results', run.plan.runId), run);
  const demand = earlierDemand(join(dir, 'results'), run.plan);
  assert.ok(demand);
  assert.equal(demand.runId, run.plan.runId);
  const one = run.results.cells.find((c) => c.replicas === 1 && c.location === 'cluster')!;
  assert.equal(demand.cpuPerRequestS, one.model!.cpuPerRequestS);
  const lines = forecastLines(run.plan, demand);
  assert.match(lines[0]!, new RegExp(`demand measured by run ${run.plan.runId}`));
  assert.equal(lines.length, run.plan.cells.length + 1);
  assert.match(lines.find((l) => l.includes('r8-cluster'))!, /bottleneck host-cpu/, '8 × 0.5 CPU on this 2-core host');
  const otherModel = { ...run.plan, cells: run.plan.cells.map((c) => ({ ...c, deployment: { ...c.deployment, modelPath: '/other.onnx' } })) };
  assert.equal(earlierDemand(join(dir, 'results'), otherModel), null, 'another model: its demand is not this one');
});
