import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildReportData, cellAt, parseSummaryCsv, summaryMismatches, type RunInput } from '../../reports/sections/replicas/data.js';
import { summaryCsv } from '../../experiments/analyse/csv.js';
import { loadFixtureRun } from '../fixtures/make-run-fixture.js';

function input(run = loadFixtureRun()): RunInput {
  return { runDir: '/tmp/x', results: run.results, trials: run.trials, summaryRows: null, plan: run.plan, environment: run.environment, deployment: null, replicaLogs: [], warnings: [] };
}

test('Table 1 grid always lists 1, 2, 4, 8 pods and leaves unmeasured cells empty', () => {
  const run = loadFixtureRun();
  run.results.cells = run.results.cells.filter((c) => !(c.replicas === 4 && c.location === 'remote'));
  const data = buildReportData(input(run));
  assert.deepEqual(data.pods, [1, 2, 4, 8]);
  assert.equal(cellAt(data, 4, 'remote'), null);
  assert.equal(cellAt(data, 4, 'cluster')?.replicas, 4);
});

test('an extra pod count in the results gets its own row', () => {
  const run = loadFixtureRun();
  run.results.cells.push({ ...run.results.cells[0]!, replicas: 3 });
  assert.deepEqual(buildReportData(input(run)).pods, [1, 2, 3, 4, 8]);
});

test('latency curves average valid trials per users level; invalid trials are left out', () => {
  const run = loadFixtureRun();
  const data = buildReportData(input(run));
  const valid = run.trials.filter((t) => t.valid && t.location === 'cluster' && t.replicas === 2);
  const level = valid[0]!.steps[0]!.users;
  const samples = valid.flatMap((t) => t.steps.filter((s) => s.users === level).map((s) => s.latencyMs.mean));
  const point = data.curves.find((c) => c.location === 'cluster' && c.replicas === 2 && c.users === level);
  assert.ok(point);
  assert.ok(Math.abs(point.meanMs - samples.reduce((a, b) => a + b, 0) / samples.length) < 1e-9);
  assert.equal(data.trials.total - data.trials.valid, run.trials.filter((t) => !t.valid).length);
});

test('replica shares add up to one per cell and follow the recorded counts', () => {
  const run = loadFixtureRun();
  const data = buildReportData(input(run));
  const cell = run.results.cells.find((c) => c.replicas === 4 && c.location === 'cluster')!;
  const bars = data.balance.filter((b) => b.replicas === 4 && b.location === 'cluster');
  assert.equal(bars.length, 4);
  assert.ok(Math.abs(bars.reduce((a, b) => a + b.share, 0) - 1) < 1e-9);
  const total = Object.values(cell.requestsPerReplica).reduce((a, b) => a + b, 0);
  for (const bar of bars) assert.equal(bar.share, cell.requestsPerReplica[bar.replica]! / total);
});

test('summary CSV written from the same results agrees; an edited value is reported by column and cell', () => {
  const run = loadFixtureRun();
  const rows = parseSummaryCsv(summaryCsv(run.results.cells));
  assert.deepEqual(summaryMismatches(run.results, rows), []);
  rows[2]!.max_users_mean = '99';
  const problems = summaryMismatches(run.results, rows);
  assert.equal(problems.length, 1);
  assert.match(problems[0]!, new RegExp(`max_users_mean for ${rows[2]!.replicas} pods / ${rows[2]!.location} is 99`));
});

test('a summary CSV without the contract columns is rejected by name', () => {
  assert.throws(() => parseSummaryCsv('replicas,location\n1,cluster\n'), /missing column\(s\) n, max_users_mean/);
});
