import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildReportData, type RunInput } from '../../reports/sections/replicas/data.js';
import { observe } from '../../reports/sections/replicas/observations.js';
import { loadFixtureRun, type FixtureRun } from '../fixtures/make-run-fixture.js';

function obs(run: FixtureRun, lang: 'en' | 'zh' = 'en') {
  const input: RunInput = { runDir: '/tmp/x', results: run.results, trials: run.trials, summaryRows: null, plan: null, environment: null, deployment: null, replicaLogs: [], warnings: [] };
  return observe(buildReportData(input), lang);
}

function setUsers(run: FixtureRun, pods: number, location: 'cluster' | 'remote', mean: number, sd: number | null = null) {
  const cell = run.results.cells.find((c) => c.replicas === pods && c.location === location)!;
  cell.maxUsers = { ...cell.maxUsers, mean, sd };
}

test('scaling states the speed-up against the pods and the limit at the last pod count, never "ideal"', () => {
  const run = loadFixtureRun();
  setUsers(run, 1, 'cluster', 5, 1);
  setUsers(run, 8, 'cluster', 30, 2);
  const eight = run.results.cells.find((c) => c.replicas === 8 && c.location === 'cluster')!;
  eight.limitedBy = 'host-cpu';
  const all = obs(run);
  const text = all.find((o) => o.kind === 'scaling' && o.text.startsWith('Master node'))!.text;
  assert.match(text, /from 5\.0 with 1 pod to 30\.0 with 8 pods \(6\.00× for 8\.00× the pods\), limited at 8 pods by the host CPU/);
  assert.ok(!all.some((o) => /ideal/.test(o.text)));
});

test('more than linear scaling is never presented as the pods\': the measured limit that explains it is named', () => {
  const run = loadFixtureRun();
  setUsers(run, 1, 'remote', 48, 1);
  setUsers(run, 8, 'remote', 672, 5);
  const eight = run.results.cells.find((c) => c.replicas === 8 && c.location === 'remote')!;
  Object.assign(eight, { limitedBy: 'network', limitEvidence: 'the client path carried 85.0 of its 100.0 Mbit/s' });
  const all = obs(run);
  assert.match(all.find((o) => o.kind === 'superlinear')!.text, /Remote client: that is more than linear in pods.*at 8 pods the client path carried 85\.0 of its 100\.0 Mbit\/s, so the figure measures that limit, not the pods/);
  assert.match(all.find((o) => o.kind === 'remote-above')!.text, /At 8 pods the Remote client held more users \(672\.0\) than the Master node .*waited in the network link/);
});

test('every cell where the model and the measurement differ by more than 20 % gets a sentence naming the measured limit', () => {
  const run = loadFixtureRun();
  for (const c of run.results.cells) if (c.model) c.model.predictedMaxUsers = Math.round(c.maxUsers.mean);
  const one = run.results.cells.find((c) => c.replicas === 1 && c.location === 'cluster')!;
  one.model!.predictedMaxUsers = Math.round(one.maxUsers.mean * 1.5);
  const model = obs(run).filter((o) => o.kind === 'model');
  const modelled = run.results.cells.filter((c) => c.model && c.maxUsers.n > 0).length;
  assert.match(model[0]!.text, new RegExp(`within 20 % of the measured max users in ${modelled - 1} of ${modelled} cells`));
  assert.equal(model.length, 2);
  assert.match(model[1]!.text, /1 pod at the Master node: the model predicts \d+ users against \d+ measured \(\+50 %\); the measured limit is/);
});

test('the location gap says which location sustained fewer users, from the numbers', () => {
  const run = loadFixtureRun();
  for (const c of run.results.cells) c.maxUsers = { ...c.maxUsers, mean: c.location === 'remote' ? 20 : 10 };
  const gap = obs(run).find((o) => o.kind === 'gap')!.text;
  assert.match(gap, /Remote client sustained 10\.0 more users than the Master node \(100%\)/);
});

test('the most variable cell is the one with the largest coefficient of variation', () => {
  const run = loadFixtureRun();
  // the fixture is a one-trial-per-cell quick run: give every cell the spread of three trials
  for (const c of run.results.cells) c.maxUsers = { ...c.maxUsers, mean: 10, sd: 0.5, n: 3 };
  setUsers(run, 2, 'remote', 8, 2);
  assert.match(obs(run).find((o) => o.kind === 'variability')!.text, /2 pods at the Remote client: 8\.0 ± 2\.0 users .*25%/);
});

test('searches ended by the latency objective are counted and named; otherwise all ended by failure', () => {
  const run = loadFixtureRun();
  const valid = run.trials.filter((t) => t.valid).length;
  for (const c of run.results.cells) c.decidedBy = { failure: c.maxUsers.n };
  assert.match(obs(run).find((o) => o.kind === 'decided')!.text, new RegExp(`All ${valid} valid searches ended at the first failed request`));
  const cell = run.results.cells.find((c) => c.replicas === 4 && c.location === 'remote')!;
  cell.decidedBy = { 'latency-objective': 1, failure: cell.maxUsers.n - 1 };
  const decided = obs(run).filter((o) => o.kind === 'decided');
  assert.equal(decided.length, 1);
  assert.match(decided[0]!.text, new RegExp(`In 1 of ${valid} valid trials .* latency objective .*4 pods/Remote client`));
});

test('capacity-bound cells and invalid trials are stated only when present', () => {
  const run = loadFixtureRun();
  assert.equal(obs(run).some((o) => o.kind === 'capacity'), run.results.cells.some((c) => c.capacityBound));
  run.trials = run.trials.filter((t) => t.valid);
  assert.ok(!obs(run).some((o) => o.kind === 'invalid'), 'only valid trials: nothing to say');
  Object.assign(run.trials[0]!, { valid: false, invalidReason: 'load generator CPU above 0.9 of a core' });
  run.results.cells[0]!.capacityBound = true;
  assert.ok(obs(run).some((o) => o.kind === 'capacity'));
  assert.match(obs(run).find((o) => o.kind === 'invalid')!.text, /1 trial was discarded as invalid \(load generator CPU/);
  for (const c of run.results.cells) c.capacityBound = false;
  run.trials = run.trials.filter((t) => t.valid);
  assert.ok(!obs(run).some((o) => o.kind === 'capacity' || o.kind === 'invalid'));
});

test('Chinese observations carry the same numbers', () => {
  const run = loadFixtureRun();
  setUsers(run, 1, 'cluster', 5, 1);
  setUsers(run, 8, 'cluster', 30, 2);
  assert.match(obs(run, 'zh').find((o) => o.kind === 'scaling')!.text, /主节点：最大用户数从 1 个 Pod 的 5\.0 增至 8 个 Pod 的 30\.0（Pod 增加 8\.00×，用户增加 6\.00×）/);
});

test('replica restarts and OOM kills are summed per cell from the trials; none is stated as none', () => {
  const run = loadFixtureRun();
  assert.match(obs(run).find((o) => o.kind === 'replicas')!.text, new RegExp(`No replica restarted or was OOM-killed in any of the ${run.trials.length} trials`));
  const a = run.trials.find((t) => t.replicas === 4 && t.location === 'cluster')!;
  // a second trial of the same cell, so the sum runs over trials
  const b = { ...structuredClone(a), id: `${a.id}-again`, trial: a.trial + 1 };
  run.trials.push(b);
  a!.replicaStats[0]!.restarts = 2;
  b!.replicaStats[1]!.restarts = 1;
  b!.replicaStats[1]!.oomKilled = 1;
  assert.match(obs(run).find((o) => o.kind === 'replicas')!.text, /Replicas restarted or were OOM-killed in: 4 pods\/Master node \(3 restarts, 1 OOM kill\)\./);
});

test('a step where max users grows but throughput barely does is stated with both numbers and the latency', () => {
  const run = loadFixtureRun();
  const set = (pods: number, users: number, qps: number, meanMs: number) => {
    const cell = run.results.cells.find((c) => c.replicas === pods && c.location === 'cluster')!;
    cell.maxUsers = { ...cell.maxUsers, mean: users };
    cell.qps = { ...cell.qps, avg: qps };
    cell.avgResponseMs = { ...cell.avgResponseMs, mean: meanMs };
  };
  set(1, 30, 8.5, 1329);
  set(2, 49, 15.7, 824);
  set(4, 97, 31.6, 771);
  set(8, 185, 37.3, 2465);
  const text = obs(run).find((o) => o.kind === 'throughput' && o.text.startsWith('Master node'))!.text;
  assert.equal(text, 'Master node: from 4 to 8 pods, max users rose 91% while throughput at max users rose 18% (31.6 → 37.3 requests/s) and the mean response time went from 771 to 2465 ms.');
  set(8, 185, 60, 800);
  assert.ok(!obs(run).some((o) => o.kind === 'throughput' && o.text.startsWith('Master node')), 'throughput that keeps up is not remarked on');
});
