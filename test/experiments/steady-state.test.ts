/**
 * The steady-state predicates (experiments/load/steady-state.ts) on recorded
 * holds: the confirming holds of a real --quick run made before the rule
 * existed, whose latency climbed every second; the 672-user remote hold the
 * trust issue reports; and steady closed-loop levels. A hold is rebuilt from
 * its per-second samples: each second's answers spread over the second at
 * that second's mean latency, each followed by a think pause of the mean
 * think time.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { steadyState, type SteadyInput } from '../../experiments/load/steady-state.js';

interface HoldFixture {
  source: string;
  users: number;
  /** when the hold ended (what comes after is the drain) */
  heldS: number;
  windowS: number;
  thinkMeanS: number;
  perSecond: { requests: number; meanLatencyMs: number }[];
}

function fromFixture(name: string): SteadyInput {
  const f = JSON.parse(readFileSync(new URL(`../fixtures/holds/${name}.json`, import.meta.url), 'utf8')) as HoldFixture;
  return { ...fromSeconds(f.users, f.windowS, f.thinkMeanS, f.perSecond), elapsedS: f.heldS };
}

function fromSeconds(users: number, windowS: number, thinkS: number, perSecond: HoldFixture['perSecond']): SteadyInput {
  const records = perSecond.flatMap((s, t) => Array.from({ length: s.requests }, (_, i) => ({ doneAtMs: (t + (i + 0.5) / s.requests) * 1000, latencyMs: s.meanLatencyMs })));
  return { users, elapsedS: perSecond.length, windowS, records, thinks: records.map((r) => ({ atMs: r.doneAtMs, seconds: thinkS })) };
}

test('the 672-user remote hold, latency climbing every second, is not steady: trend', () => {
  const v = steadyState(fromFixture('remote-672-climbing'));
  assert.equal(v.verdict, 'trend');
  assert.ok(v.latencyTrend > 0.2, `trend ${v.latencyTrend}`);
});

test('judged at 6 s, with the trend rule off, Little\'s law alone rejects it: most users were still waiting', () => {
  const v = steadyState({ ...fromFixture('remote-672-climbing'), elapsedS: 6, trendTolerance: 100 });
  assert.equal(v.verdict, 'little');
  assert.ok(v.littleRatio < 0.6, `X·(R+Z)/N = ${v.littleRatio}`);
});

test('a real quick-run confirming hold of the old rule (1 replica, 28 users, latency 0.2 → 1.3 s) is not steady', () => {
  const v = steadyState(fromFixture('r1-cluster-quick-climbing'));
  assert.notEqual(v.verdict, 'steady');
});

test('a closed loop in steady state passes both checks, and its warm-up is left out', () => {
  // 40 users, 2 s think, 0.2 s answers: X = 40 / 2.2 = 18.2 per second
  const perSecond = [{ requests: 5, meanLatencyMs: 900 }, ...Array.from({ length: 9 }, () => ({ requests: 18, meanLatencyMs: 200 }))];
  const v = steadyState(fromSeconds(40, 2, 2, perSecond));
  assert.equal(v.verdict, 'steady');
  assert.equal(v.spanS, 6, 'the last three 2 s windows');
  assert.equal(v.fromS, 4, 'the first 4 s are warm-up');
  assert.ok(Math.abs(v.littleRatio - (18 * 2.2) / 40) < 1e-9);
});

test('Little\'s law allows counting noise: few answers get a wider tolerance than 10 %', () => {
  // 3 users, 2 s think, 0.1 s answers: about 1.4 a second; here 1 a second, ratio 0.7
  const v = steadyState(fromSeconds(3, 1, 2, Array.from({ length: 5 }, () => ({ requests: 1, meanLatencyMs: 100 }))));
  assert.equal(v.completions, 3);
  assert.ok(v.littleTolerance > 1, '2/√3');
  assert.equal(v.verdict, 'steady');
});

test('too short to judge, or a window without answers, is not steady', () => {
  assert.equal(steadyState(fromSeconds(10, 1, 2, [{ requests: 5, meanLatencyMs: 100 }, { requests: 5, meanLatencyMs: 100 }])).verdict, 'short');
  assert.equal(steadyState(fromSeconds(10, 1, 2, [5, 5, 0, 5].map((requests) => ({ requests, meanLatencyMs: 100 })))).verdict, 'empty');
});

test('a trend within the noise of single requests is not a trend', () => {
  const input = fromSeconds(20, 1, 2, Array.from({ length: 4 }, (_, t) => ({ requests: 9, meanLatencyMs: 200 + 30 * t })));
  // widely spread single requests: alternate 50 ms and 400 ms around each second's mean
  const noisy = { ...input, records: input.records.map((r, i) => ({ ...r, latencyMs: r.latencyMs + (i % 2 === 0 ? -150 : 150) })) };
  assert.equal(steadyState(input).verdict, 'trend', 'no spread: a 15 % a second rise is a trend');
  assert.notEqual(steadyState(noisy).verdict, 'trend', 'spread ±150 ms: the same rise is within its noise');
});
