import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describe, tCritical95 } from '../../experiments/analyse/stats.js';
import { settled } from '../../experiments/engine/cell-trials.js';

test('mean, sample sd and the t-based 95 % interval', () => {
  const s = describe([10, 12, 14]);
  assert.equal(s.mean, 12);
  assert.equal(s.sd, 2);
  const half = (tCritical95(2) * 2) / Math.sqrt(3);
  assert.ok(s.ci95 && Math.abs(s.ci95[0] - (12 - half)) < 1e-9 && Math.abs(s.ci95[1] - (12 + half)) < 1e-9);
  assert.equal(s.n, 3);
  assert.deepEqual(s.values, [10, 12, 14]);
});

test('the t interval is wider than the normal one for few trials and approaches it for many', () => {
  assert.ok(tCritical95(1) > 12 && tCritical95(2) > 4);
  for (let df = 1; df < 30; df += 1) assert.ok(tCritical95(df) > tCritical95(df + 1), `df ${df}`);
  assert.ok(tCritical95(200) >= 1.96 && tCritical95(200) < tCritical95(30));
});

test('one value has no spread to state: sd and interval are null, never ± 0', () => {
  assert.deepEqual(describe([7]), { mean: 7, sd: null, ci95: null, n: 1, values: [7] });
  assert.deepEqual(describe([]), { mean: 0, sd: null, ci95: null, n: 0, values: [] });
});

test('a cell is settled when the 95 % CI half-width is within the share of its mean', () => {
  assert.equal(settled([10, 10, 10], 0.1), true);
  assert.equal(settled([100, 101, 99], 0.1), true, 'half-width 2.5 of 100');
  assert.equal(settled([10, 15, 20], 0.1), false);
  assert.equal(settled([44, 43, 42], 0.1), true, 'the measured 1-replica cell: half-width 2.5 of 43');
  assert.equal(settled([90, 93], 0.1), false, 'two trials: t(1) = 12.7 makes the interval ±19');
  assert.equal(settled([5], 0.1), false, 'one trial never settles an adaptive cell');
});
