import assert from 'node:assert/strict';
import { test } from 'node:test';
import { aggregateCell, aggregateResults } from '../../experiments/analyse/aggregate.js';
import { summaryCsv } from '../../experiments/analyse/csv.js';
import { resolveConfig } from '../../experiments/plan/config.js';
import { buildPlan } from '../../experiments/plan/plan.js';
import { Results, SUMMARY_CSV_COLUMNS } from '../../experiments/record/schema.js';
import { trialFrom } from './helpers.js';

const plan = buildPlan(resolveConfig({ replicas: [1, 2, 8], locations: ['cluster', 'remote'] }, 't'), {
  runId: 'r', backend: 'fake', machineCores: 2, fitHost: false, profile: null, now: new Date(0),
});
const cellOf = (id: string) => plan.cells.find((c) => c.id === id)!;

const trials = [
  trialFrom({ replicas: 1, location: 'cluster', trial: 0, maxUsers: 10, latencyMs: 100 }),
  trialFrom({ replicas: 1, location: 'cluster', trial: 1, maxUsers: 12, latencyMs: 300 }),
  trialFrom({ replicas: 1, location: 'cluster', trial: 2, maxUsers: 99, valid: false }),
  trialFrom({ replicas: 2, location: 'cluster', trial: 0, maxUsers: 20 }),
];

test('a cell aggregates its valid trials only and counts the invalid ones', () => {
  const cell = aggregateCell(plan, cellOf('r1-cluster'), trials, true);
  assert.deepEqual(cell.maxUsers.values, [10, 12]);
  assert.equal(cell.maxUsers.mean, 11);
  assert.equal(cell.invalidTrials, 1);
  assert.deepEqual(cell.avgResponseMs.values, [100, 300]);
  assert.ok(Math.abs(cell.latencyMs.p50 - 100) < 1 && Math.abs(cell.latencyMs.max - 300) < 1, 'confirming holds merged');
  assert.equal(cell.successRate, 1);
  assert.equal(cell.totalRequests, 2 * 51, 'every request of the valid trials');
  assert.deepEqual(cell.decidedBy, { failure: 2 });
  assert.equal(cell.model, null, 'no saturation phase, no model: nothing is predicted from guesses');
});

test('a cell without trials still validates, with n = 0 and no spread', () => {
  const results = aggregateResults(plan, trials, { createdAt: '', limitsEnforced: false });
  assert.ok(Results.safeParse(results).success);
  const eight = results.cells.find((c) => c.replicas === 8 && c.location === 'remote')!;
  assert.equal(eight.maxUsers.n, 0);
  assert.equal(eight.maxUsers.sd, null);
  assert.equal(eight.capacityBound, true);
  assert.equal(eight.limitsEnforced, false);
});

test('the summary CSV has the contract columns, states the same numbers as the JSON, and leaves one trial\'s spread empty', () => {
  const results = aggregateResults(plan, trials, { createdAt: '', limitsEnforced: true });
  const [header, ...rows] = summaryCsv(results.cells).trim().split('\n');
  assert.equal(header, SUMMARY_CSV_COLUMNS.join(','));
  assert.equal(rows.length, plan.cells.length);
  const row = (i: number) => Object.fromEntries(header!.split(',').map((k, j) => [k, rows[i]!.split(',')[j]]));
  const first = row(0);
  const cell = results.cells[0]!;
  assert.equal(Number(first.max_users_ci95_high), cell.maxUsers.ci95![1]);
  assert.equal(Number(first.avg_response_sd_ms), cell.avgResponseMs.sd);
  assert.equal(Number(first.qps_avg), cell.qps.avg);
  assert.equal(first.invalid_trials, '1');
  assert.equal(first.limited_by, cell.limitedBy);
  const two = row(results.cells.findIndex((c) => c.replicas === 2 && c.location === 'cluster'));
  assert.equal(two.n, '1');
  assert.deepEqual([two.max_users_sd, two.max_users_ci95_low, two.max_users_ci95_high], ['', '', ''], 'n = 1: no sd, no interval');
});
