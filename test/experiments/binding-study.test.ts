/**
 * The binding study as configured and planned, and its analysis on trials
 * whose numbers are known: the summary CSV's rows and columns, the
 * short-job verdicts (and when there are too few to judge), utilisation
 * from the replicas' counters, and invalid trials left out.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sameReplicaShape } from '../../experiments/contracts/deployment.js';
import { BINDING_CSV_COLUMNS } from '../../experiments/analyse/binding-csv.js';
import { BindingResults } from '../../experiments/analyse/binding-results.js';
import { jctInvalidReason, openJobFor } from '../../experiments/engine/jct-trial.js';
import { meanUnits } from '../../experiments/load/open-schedule.js';
import { sizeDistribution } from '../../experiments/plan/binding-config.js';
import { resolveConfig } from '../../experiments/plan/config.js';
import { buildPlan, PlanError } from '../../experiments/plan/plan.js';
import type { JctTrial } from '../../experiments/record/schema.js';
import { bindingStudy } from '../../experiments/studies/binding.js';
import { ctx, load, quickPlan, req, trialOf } from '../helpers/binding-trials.js';

test('the quick plan: 4 replicas fitted to 2 cores, one load, five policies in three rounds on one replica shape, rates that offer the load', async () => {
  const plan = await quickPlan();
  assert.equal(plan.study, 'binding');
  assert.equal(plan.replicaCpu, 0.375);
  const policies = ['round-robin', 'least-connections', 'random-choice-2', 'first-available', 'late-binding'];
  assert.deepEqual(plan.cells.map((c) => c.openLoad!.policy), [...policies, ...policies, ...policies]);
  assert.deepEqual(plan.cells.map((c) => c.openLoad!.round), [0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2]);
  const b = plan.config.binding;
  for (const c of plan.cells) {
    assert.equal(c.replicas, 4);
    assert.ok(sameReplicaShape(c.deployment, plan.cells[0]!.deployment), 'a policy change never restarts the replicas');
    assert.deepEqual(c.deployment.work, { unitMs: b.unitMs, maxUnits: 7500, queueLength: b.replicaQueue, queueTimeoutMs: plan.config.failure.timeoutMs });
    const offered = (c.openLoad!.ratePerS * meanUnits(sizeDistribution(b)) * b.unitMs) / 1000 / (4 * plan.replicaCpu);
    assert.ok(Math.abs(offered - 0.7) < 1e-9, `cell ${c.id} offers ${offered}`);
  }
  const fa = plan.cells.find((c) => c.deployment.balancer.policy === 'first-available')!.deployment.balancer;
  assert.deepEqual(fa, { policy: 'first-available', replicaConcurrency: 1, queueBound: 10_000, waitTimeoutMs: 30_000, activators: 2 });
  assert.equal(new Set(plan.cells.map((c) => c.id)).size, plan.cells.length);
});

test('the binding section is strict and its mistakes are named', () => {
  assert.throws(() => resolveConfig({ study: 'binding', binding: { loads: [1.2] } }, 'cfg'), /binding\.loads/);
  assert.throws(() => resolveConfig({ study: 'binding', binding: { polices: ['round-robin'] } }, 'cfg'), /polices/);
  assert.throws(() => resolveConfig({ study: 'binding', binding: { policies: ['first-come'] } }, 'cfg'), /binding\.policies/);
  assert.throws(() => resolveConfig({ study: 'binding', binding: { sizes: { units: [1, 2], probabilities: [0.3, 0.3] } } }, 'cfg'), /sum to 1/);
  const twice = resolveConfig({ study: 'binding', binding: { policies: ['late-binding', { policy: 'late-binding', replicaConcurrency: 2 }] } }, 'cfg');
  assert.throws(() => buildPlan(twice, ctx), (e: unknown) => e instanceof PlanError && /appears twice/.test(e.message));
  const labelled = resolveConfig({ study: 'binding', replicas: [2], binding: { policies: ['late-binding', { policy: 'late-binding', label: 'late-c2', replicaConcurrency: 2 }] } }, 'cfg');
  const cells = buildPlan(labelled, ctx).cells.filter((c) => c.openLoad!.utilisation === 0.5 && c.openLoad!.round === 0);
  assert.deepEqual(cells.map((c) => [c.openLoad!.policy, c.deployment.balancer.policy === 'late-binding' && c.deployment.balancer.replicaConcurrency]), [['late-binding', 1], ['late-c2', 2]]);
});

test('the summary CSV has one row per policy × load × size class, "all" first, with the agreed columns', async () => {
  const plan = await quickPlan();
  const trials = plan.cells.filter((c) => c.openLoad!.round === 0).map((c) => trialOf(plan, c.openLoad!.policy, load(120, (i) => i)));
  const files = bindingStudy.analyse(plan, trials, { limitsEnforced: true, createdAt: 'now' });
  const [header, ...rows] = files['experiment_summary.csv']!.trim().split('\n');
  assert.equal(header, BINDING_CSV_COLUMNS.join(','));
  assert.equal(rows.length, 5 * 6);
  assert.deepEqual(rows.slice(0, 6).map((r) => r.split(',')[2]), ['all', '1', '3', '25', '250', '7500']);
  const results = BindingResults.parse(JSON.parse(files['experiment_results.json']!));
  const rr = results.cells[0]!;
  assert.equal(rows[0], ['round-robin', 0.7, 'all', 170, rr.classes[0]!.jctMs.p50, rr.classes[0]!.jctMs.p95, rr.classes[0]!.jctMs.p99, rr.classes[0]!.queueMs.mean, 0].join(','));
  for (const u of rr.replicaUse) {
    assert.ok(Math.abs(u.cpu! - 0.5) < 1e-9, 'CPU used ÷ (wall × limit)');
    assert.ok(u.busy <= 1);
  }
});

test('short jobs: "lower" only when the bootstrap interval excludes zero, "too few samples" under 100 per policy', async () => {
  const plan = await quickPlan();
  const faster = [trialOf(plan, 'round-robin', load(150, (i) => 200 + i)), trialOf(plan, 'late-binding', load(150, (i) => i % 20))];
  const verdict = (ts: JctTrial[]) => BindingResults.parse(JSON.parse(bindingStudy.analyse(plan, ts, { limitsEnforced: true, createdAt: '' })['experiment_results.json']!)).comparisons[0]!;
  const lower = verdict(faster);
  assert.equal(lower.policy, 'late-binding');
  assert.equal(lower.verdict, 'lower');
  assert.ok(lower.ci95[1] < 0 && lower.policyP95Ms < lower.baselineP95Ms);
  assert.equal(verdict([trialOf(plan, 'round-robin', load(150, (i) => i)), trialOf(plan, 'late-binding', load(150, (i) => i))]).verdict, 'indistinguishable');
  assert.equal(verdict([trialOf(plan, 'round-robin', load(60, (i) => 200 + i)), trialOf(plan, 'late-binding', load(60, () => 1))]).verdict, 'too few samples');
  assert.match(bindingStudy.summarize(plan, faster), /late-binding .* vs round-robin .* \(lower\)/);
  // replicas that used far less CPU than their work took in wall time waited for the host's CPU: the verdict says so
  const starved = faster.map((t) => ({ ...t, replicaStats: t.replicaStats.map((r) => ({ ...r, cpuSeconds: 10.2 })) }));
  assert.match(verdict(starved).limitedBy ?? '', /host CPU/);
});

test('warm-up requests, invalid trials and failures are kept out of the JCTs, timeouts counted with the time they took', async () => {
  const plan = await quickPlan();
  const requests = [...load(100, () => 5), req(1, 0, 0, 0, { warmup: true, endMs: 99_999 }), req(3, 0, 0, 0, { status: 0, error: 'timeout', endMs: 30_000 }), req(3, 0, 0, 0, { status: 503, error: 'status' })];
  const trials = [trialOf(plan, 'round-robin', requests), trialOf(plan, 'late-binding', load(100, () => 999), { valid: false, invalidReason: 'test', id: 'x-invalid0' })];
  const results = BindingResults.parse(JSON.parse(bindingStudy.analyse(plan, trials, { limitsEnforced: true, createdAt: '' })['experiment_results.json']!));
  const rr = results.cells.find((c) => c.policy === 'round-robin')!;
  const three = rr.classes.find((k) => k.sizeClass === '3')!;
  assert.deepEqual([three.n, three.ok, three.timeouts, three.errors, three.jctMs.max], [2, 0, 1, 1, 30_000]);
  assert.equal(rr.classes[0]!.n, 152, 'the warm-up request is not counted');
  const late = results.cells.find((c) => c.policy === 'late-binding')!;
  assert.deepEqual([late.trials, late.invalidTrials, late.classes[0]!.n], [0, 1, 0]);
  assert.ok(results.observations.some((o) => /1 of 152 requests timed out/.test(o)));
});

test('a trial is invalid when the generator fell behind its schedule or a replica restarted', () => {
  const limits = { maxSendLagMs: 100, loadGenCpu: 0.5, bottleneckShare: 0.9 };
  const stats = (restarts: number) => [{ name: 'r0', ready: true, restarts, oomKilled: 0 }];
  const ok = Array.from({ length: 200 }, (_, i) => req(1, 0, 1, i));
  assert.equal(jctInvalidReason({ requests: ok, loadGenCpu: 0.1 }, limits, stats(0), stats(0)), null);
  const late = ok.map((r, i) => ({ ...r, lagMs: i % 10 === 0 ? 300 : 0 }));
  assert.match(jctInvalidReason({ requests: late, loadGenCpu: 0.1 }, limits, stats(0), stats(0))!, /ms late/);
  assert.match(jctInvalidReason({ requests: ok, loadGenCpu: 0.49 }, limits, stats(0), stats(0))!, /load generator used/);
  assert.match(jctInvalidReason({ requests: ok, loadGenCpu: 0.1 }, limits, stats(0), stats(1))!, /restarted/);
  assert.match(jctInvalidReason({ requests: [], loadGenCpu: 0 }, limits, stats(0), stats(0))!, /no request/);
});

test('every policy of a round gets the same requests, a retry too, every round other ones', async () => {
  const plan = await quickPlan();
  const cellOf = (policy: string, round: number) => plan.cells.find((c) => c.openLoad!.policy === policy && c.openLoad!.round === round)!;
  const seedOf = (policy: string, round: number, trial = 0) => openJobFor(plan, cellOf(policy, round), trial, 'http://x:1').seed;
  assert.equal(seedOf('round-robin', 0), seedOf('late-binding', 0));
  assert.notEqual(seedOf('round-robin', 0), seedOf('round-robin', 1));
  assert.notEqual(seedOf('round-robin', 0, 1), seedOf('round-robin', 0), 'another trial of a cell draws anew');
});
