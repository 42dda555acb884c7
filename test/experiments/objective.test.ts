/** The second answer, read off the headline search's holds, with extra holds only where the gap is wider than the resolution. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Step } from '../../experiments/contracts/domain.js';
import { objectiveMaxUsers } from '../../experiments/search/objective.js';
import type { Probe } from '../../experiments/search/types.js';
import { okRecords, stepFrom } from './helpers.js';

/** A held, steady, passing level with this p95 (all answers at one latency). */
function held(users: number, latencyMs: number, passed = true): Step {
  const s = stepFrom(users, okRecords(40, latencyMs));
  return { ...s, passed, steady: { verdict: 'steady', fromS: 1, spanS: 3, completions: 40, throughput: 10, meanLatencyMs: latencyMs, meanThinkS: 2, littleRatio: 1, littleTolerance: 0.3, latencyTrend: 0, trendTolerance: 0.2 } };
}

/** A probe whose p95 grows 100 ms per user past 10 users (objective 2 s is crossed past 29). */
const probe = (calls: number[]): Probe => ({
  hold: async (users) => {
    calls.push(users);
    return held(users, 100 + Math.max(0, users - 10) * 100);
  },
  ramp: async () => [],
});

test('the held levels already decide it when they bracket the objective within the resolution', async () => {
  const calls: number[] = [];
  const steps = [held(16, 700), held(32, 2300), held(24, 1500), held(28, 1900), held(30, 2100, false), held(29, 2000)];
  const out = await objectiveMaxUsers(steps, 2000, probe(calls), 0, 29);
  assert.equal(out.maxUsers, 29);
  assert.deepEqual(calls, [], 'no extra hold');
  assert.equal(out.confirmIndex, 5);
});

test('extra holds bisect the gap between the best level within the objective and the first above it', async () => {
  const calls: number[] = [];
  const out = await objectiveMaxUsers([held(16, 700), held(32, 2300), held(40, 3100), held(44, 3500)], 2000, probe(calls), 0, 44);
  assert.equal(out.maxUsers, 29);
  assert.deepEqual(calls, [24, 28, 30, 29]);
  assert.equal(out.extra.length, 4);
});

test('never above the headline answer: a level that passed once above it does not count', async () => {
  const out = await objectiveMaxUsers([held(20, 500), held(24, 600), held(25, 600, false), held(24, 700, false)], 2000, probe([]), 0, 23);
  assert.ok(out.maxUsers <= 23, `${out.maxUsers}`);
});
