import assert from 'node:assert/strict';
import { test } from 'node:test';
import { invalidReason, networkPath } from '../../experiments/engine/max-users-trial.js';
import type { SearchOutcome } from '../../experiments/search/types.js';
import { okRecords, stepFrom } from './helpers.js';

const outcome = (loadGenCpu: number[], confirmed = true): SearchOutcome => ({
  maxUsers: 10,
  decidedBy: 'failure',
  steps: loadGenCpu.map((cpu, i) => ({ ...stepFrom(5 + i, okRecords(10, 20)), loadGenCpu: cpu })),
  confirmStep: loadGenCpu.length - 1,
  confirmed,
});

test('a trial is invalid when the load generator used more than its share in any level', () => {
  const loadGen = { cpu: 1, bottleneckShare: 0.9 };
  assert.equal(invalidReason(outcome([0.2, 0.5, 0.89]), loadGen), null);
  assert.match(invalidReason(outcome([0.2, 0.95, 0.3]), loadGen) ?? '', /load generator used 0\.95 cores at 6 users \(limit 0\.90\)/);
  assert.equal(invalidReason(outcome([0.95]), { cpu: 2, bottleneckShare: 0.9 }), null, 'a larger slot allows more');
});

test('a trial whose answer no confirming hold passed is invalid', () => {
  assert.match(invalidReason(outcome([0.1], false), { cpu: 1, bottleneckShare: 0.9 }) ?? '', /no confirming hold at 10 users/);
});

test('the recorded path prefers the backend\'s own measurement over the worker\'s pings', () => {
  const endpoint = { location: 'remote' as const, url: 'http://x', description: 'wan', bandwidthMbit: 100 };
  assert.deepEqual(networkPath(endpoint, [50, 40, 60]), { rttMs: 50, bandwidthMbit: 100, description: 'wan' });
  assert.deepEqual(networkPath({ ...endpoint, measured: { rttMs: 41, bandwidthMbit: 87 } }, [50]), { rttMs: 41, bandwidthMbit: 87, description: 'wan' });
  assert.equal(networkPath(endpoint, []).rttMs, null, 'nothing answered: not measured, never 0');
});
