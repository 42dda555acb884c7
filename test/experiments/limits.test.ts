/**
 * What limited a cell, on fixtures for each cause: the trials' steps carry
 * the counters the attribution reads (generator CPU, bytes/s on the path,
 * the replicas' CPU and throttled CFS periods, 503s and timeouts).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ReplicaUsage, Step } from '../../experiments/contracts/domain.js';
import { limitOf, type LimitInput } from '../../experiments/analyse/limits.js';
import type { MaxUsersTrial } from '../../experiments/record/schema.js';
import { okRecords, stepFrom, trialFrom } from './helpers.js';

const usage = (cpuSeconds: number, throttledShare: number, replicas = 1): ReplicaUsage => ({ replicas, seconds: 10, cpuSeconds, cpuThrottledSeconds: 0, throttledShare, oomKills: 0, restarts: 0 });
const failing = (users: number, errors: Partial<Step['errors']>, extra: Partial<Step> = {}): Step => {
  const records = [...okRecords(20, 100), ...Object.entries(errors).flatMap(([kind, n]) => Array.from({ length: n ?? 0 }, () => ({ doneAtMs: 900, latencyMs: 10_000, error: kind as 'status' })))];
  return { ...stepFrom(users, records), ...extra };
};

function trial(o: { replicas?: number; location?: 'cluster' | 'remote'; confirm?: Partial<Step>; above?: Step; bandwidthMbit?: number | null; loadGenCpu?: number }): MaxUsersTrial {
  const t = trialFrom({ replicas: o.replicas ?? 1, location: o.location ?? 'cluster', trial: 0, maxUsers: 40 });
  const confirm = { ...t.steps[t.confirmStep]!, ...o.confirm, ...(o.loadGenCpu !== undefined ? { loadGenCpu: o.loadGenCpu } : {}) };
  return { ...t, steps: [o.above ?? t.steps[0]!, confirm], confirmStep: 1, network: { ...t.network, bandwidthMbit: o.bandwidthMbit ?? null } };
}

const base = (trials: MaxUsersTrial[], o: Partial<LimitInput> = {}): LimitInput => ({
  trials, replicas: 1, replicaCpu: 0.5, hostCores: 2, capacityBound: false, loadGen: { cpu: 1, bottleneckShare: 0.9 }, ...o,
});

test('a saturated load generator comes first, whatever else happened', () => {
  const t = trial({ loadGenCpu: 0.95, above: failing(41, { status: 3 }, { replicaUsage: usage(5, 0.8) }) });
  assert.equal(limitOf(base([t])).limitedBy, 'load-generator');
});

test('the link: the path carried most of its bandwidth (the 672-user remote cell)', () => {
  const t = trial({ location: 'remote', bandwidthMbit: 100, confirm: { bytesPerS: 85e6 / 8 }, above: failing(768, { timeout: 141 }, { replicaUsage: usage(9, 0.1, 4) }) });
  const found = limitOf(base([t], { replicas: 4, capacityBound: true }));
  assert.equal(found.limitedBy, 'network');
  assert.match(found.evidence, /85\.0 of its 100\.0 Mbit\/s/);
});

test('the link read above its probed capacity: within the counting error it is full, beyond it the probe under-read', () => {
  const steady = (completions: number) => ({ verdict: 'steady' as const, fromS: 9, spanS: 3, completions, throughput: completions / 3, meanLatencyMs: 7500, meanThinkS: 2, littleRatio: 1, littleTolerance: 0.15, latencyTrend: 0.1, trendTolerance: 0.2 });
  const full = trial({ location: 'remote', bandwidthMbit: 101.8, confirm: { bytesPerS: 108e6 / 8, steady: steady(183) } });
  const found = limitOf(base([full], { replicas: 4, capacityBound: true }));
  assert.equal(found.limitedBy, 'network');
  assert.match(found.evidence, /108\.0 Mbit\/s at 40 users against its measured 101\.8 Mbit\/s: the link was full, the 6 % excess being within the ±7 % counting error of 183 requests in 3 s/);
  const under = trial({ location: 'remote', bandwidthMbit: 50, confirm: { bytesPerS: 108e6 / 8, steady: steady(183) } });
  assert.match(limitOf(base([under])).evidence, /the probe under-read the link/);
});

test('timeouts with no 503 while the replicas idle under their quota: the time went outside them', () => {
  const t = trial({ above: failing(41, { timeout: 5 }, { replicaUsage: usage(1, 0.05) }) });
  assert.equal(limitOf(base([t])).limitedBy, 'network');
});

test('the host: more cores asked than there are, replicas not throttled, the host busy', () => {
  const t = trial({ replicas: 8, above: failing(200, { status: 4 }, { replicaUsage: usage(17, 0.05, 8) }) });
  const found = limitOf(base([t], { replicas: 8, capacityBound: true }));
  assert.equal(found.limitedBy, 'host-cpu');
  assert.match(found.evidence, /1\.70 of the host's 2 cores/);
});

test('the host: a cell that fits, on a host that other work kept ≥ 90 % busy, replicas below their quota', () => {
  const busy = { ...usage(0.6, 0.1, 2), hostBusyShare: 0.97 };
  const found = limitOf(base([trial({ replicas: 2, above: failing(90, { status: 1 }, { replicaUsage: busy }) })], { replicas: 2 }));
  assert.equal(found.limitedBy, 'host-cpu');
  assert.match(found.evidence, /97 % busy/);
});

test('the replicas: their quota saturated, or their queues answered 503', () => {
  assert.equal(limitOf(base([trial({ above: failing(45, { status: 2 }, { replicaUsage: usage(4.6, 0.6) }) })])).limitedBy, 'replicas');
  assert.equal(limitOf(base([trial({ above: failing(45, { status: 2 }) })])).limitedBy, 'replicas', '503s alone name the replicas');
});

test('timeouts that no other counter explains; unknown when nothing does; none at the upper bound', () => {
  assert.equal(limitOf(base([trial({ above: failing(45, { timeout: 2 }) })])).limitedBy, 'timeout');
  const unexplained = limitOf(base([trial({ above: failing(45, { body: 1 }) })]));
  assert.equal(unexplained.limitedBy, 'unknown');
  assert.match(unexplained.evidence, /no measured counter/);
  assert.equal(limitOf(base([{ ...trial({}), decidedBy: 'upper-bound' }])).limitedBy, 'none');
});
