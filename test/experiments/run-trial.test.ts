import assert from 'node:assert/strict';
import { test } from 'node:test';
import { invalidReason, networkPath } from '../../experiments/engine/max-users-trial.js';
import type { SearchOutcome } from '../../experiments/search/types.js';
import { okRecords, stepFrom } from './helpers.js';

// levels at 5, 6, … users passing, then a failure at 11, just above the answer 10
const failure = stepFrom(11, [{ doneAtMs: 10, latencyMs: 5, error: 'status' }]);
const outcome = (loadGenCpu: number[], confirmed = true): SearchOutcome => ({
  maxUsers: 10,
  decidedBy: 'failure',
  steps: [...loadGenCpu.map((cpu, i) => ({ ...stepFrom(5 + i, okRecords(10, 20)), loadGenCpu: cpu })), failure],
  confirmStep: loadGenCpu.length - 1,
  confirmed,
});

test('a trial is invalid when the load generator used more than its share in any level', () => {
  const loadGen = { cpu: 1, bottleneckShare: 0.9 };
  assert.equal(invalidReason(outcome([0.2, 0.5, 0.89]), loadGen, 0), null);
  assert.match(invalidReason(outcome([0.2, 0.95, 0.3]), loadGen, 0) ?? '', /load generator used 0\.95 cores at 6 users \(limit 0\.90\)/);
  assert.equal(invalidReason(outcome([0.95]), { cpu: 2, bottleneckShare: 0.9 }, 0), null, 'a larger slot allows more');
});

test('a trial whose answer no confirming hold passed is invalid', () => {
  assert.match(invalidReason(outcome([0.1], false), { cpu: 1, bottleneckShare: 0.9 }, 0) ?? '', /no confirming hold at 10 users/);
});

test('each trial is its own measurement: a pass at its answer needs a failure just above it', () => {
  const noFailureAbove = { ...outcome([0.1]), steps: outcome([0.1]).steps.slice(0, -1) };
  assert.match(invalidReason(noFailureAbove, { cpu: 1, bottleneckShare: 0.9 }, 0) ?? '', /no failing level within 1 user\(s\) above 10/);
  assert.equal(invalidReason(outcome([0.1]), { cpu: 1, bottleneckShare: 0.9 }, 0), null);
  const farAbove = { ...noFailureAbove, steps: [...noFailureAbove.steps, stepFrom(14, [{ doneAtMs: 10, latencyMs: 5, error: 'status' }])] };
  assert.notEqual(invalidReason(farAbove, { cpu: 1, bottleneckShare: 0.9 }, 0), null, '14 is more than one user above 10');
  assert.equal(invalidReason(farAbove, { cpu: 1, bottleneckShare: 0.9 }, 0.5), null, 'within the resolution: 14 ≤ 10 + 5');
});

test('the recorded path prefers the backend\'s own measurement over the worker\'s pings', () => {
  const endpoint = { location: 'remote' as const, url: 'http://x', description: 'wan', bandwidthMbit: 100 };
  assert.deepEqual(networkPath(endpoint, [50, 40, 60]), { rttMs: 50, bandwidthMbit: 100, description: 'wan' });
  assert.deepEqual(networkPath({ ...endpoint, measured: { rttMs: 41, bandwidthMbit: 87 } }, [50]), { rttMs: 41, bandwidthMbit: 87, description: 'wan' });
  assert.equal(networkPath(endpoint, []).rttMs, null, 'nothing answered: not measured, never 0');
});
