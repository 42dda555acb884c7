import assert from 'node:assert/strict';
import { test } from 'node:test';
import { aggregateCell, aggregateResults } from '../../experiments/analyse/aggregate.js';
import { summaryCsv } from '../../experiments/analyse/csv.js';
import { Results, SUMMARY_CSV_COLUMNS } from '../../experiments/record/schema.js';
import { trialFrom } from './helpers.js';

const trials = [
  trialFrom({ replicas: 1, location: 'cluster', trial: 0, maxUsers: 10, latencyMs: 100 }),
  trialFrom({ replicas: 1, location: 'cluster', trial: 1, maxUsers: 12, latencyMs: 300 }),
  trialFrom({ replicas: 1, location: 'cluster', trial: 2, maxUsers: 99, valid: false }),
  trialFrom({ replicas: 2, location: 'cluster', trial: 0, maxUsers: 20 }),
];

test('a cell aggregates its valid trials only and counts the invalid ones', () => {
  const cell = aggregateCell({ replicas: 1, location: 'cluster', capacityBound: false }, trials, true);
  assert.deepEqual(cell.maxUsers.values, [10, 12]);
  assert.equal(cell.maxUsers.mean, 11);
  assert.equal(cell.invalidTrials, 1);
  assert.deepEqual(cell.avgResponseMs.values, [100, 300]);
  assert.ok(Math.abs(cell.latencyMs.p50 - 100) < 1 && Math.abs(cell.latencyMs.max - 300) < 1, 'confirming holds merged');
  assert.equal(cell.successRate, 1);
  assert.equal(cell.totalRequests, 2 * 51, 'every request of the valid trials');
  assert.deepEqual(cell.decidedBy, { failure: 2 });
});

test('a cell without trials still validates, with n = 0', () => {
  const results = aggregateResults(
    { runId: 'r', task: 'detection', createdAt: '', backend: 'fake', cpuPerReplica: 0.5, memoryPerReplicaMi: 512, limitsEnforced: false },
    [{ replicas: 8, location: 'remote', capacityBound: true }],
    trials,
  );
  assert.ok(Results.safeParse(results).success);
  assert.equal(results.cells[0]?.maxUsers.n, 0);
  assert.equal(results.cells[0]?.capacityBound, true);
  assert.equal(results.cells[0]?.limitsEnforced, false);
});

test('the summary CSV has the contract columns and states the same numbers as the JSON', () => {
  const results = aggregateResults(
    { runId: 'r', task: 'detection', createdAt: '', backend: 'fake', cpuPerReplica: 0.5, memoryPerReplicaMi: 512, limitsEnforced: true },
    [{ replicas: 1, location: 'cluster', capacityBound: false }, { replicas: 2, location: 'cluster', capacityBound: false }],
    trials,
  );
  const [header, ...rows] = summaryCsv(results.cells).trim().split('\n');
  assert.equal(header, SUMMARY_CSV_COLUMNS.join(','));
  assert.equal(rows.length, 2);
  const first = Object.fromEntries(header!.split(',').map((k, i) => [k, rows[0]!.split(',')[i]]));
  const cell = results.cells[0]!;
  assert.equal(Number(first.max_users_ci95_high), cell.maxUsers.ci95[1]);
  assert.equal(Number(first.avg_response_sd_ms), cell.avgResponseMs.sd);
  assert.equal(Number(first.qps_avg), cell.qps.avg);
  assert.equal(first.invalid_trials, '1');
});
