import assert from 'node:assert/strict';
import { test } from 'node:test';
import { coefficientOfVariation, describe, tCritical95 } from '../../experiments/analyse/stats.js';

test('mean, sample sd and the t-based 95 % interval', () => {
  const s = describe([10, 12, 14]);
  assert.equal(s.mean, 12);
  assert.equal(s.sd, 2);
  const half = (tCritical95(2) * 2) / Math.sqrt(3);
  assert.ok(Math.abs(s.ci95[0] - (12 - half)) < 1e-9 && Math.abs(s.ci95[1] - (12 + half)) < 1e-9);
  assert.equal(s.n, 3);
  assert.deepEqual(s.values, [10, 12, 14]);
});

test('the t interval is wider than the normal one for few trials and approaches it for many', () => {
  assert.ok(tCritical95(1) > 12 && tCritical95(2) > 4);
  for (let df = 1; df < 30; df += 1) assert.ok(tCritical95(df) > tCritical95(df + 1), `df ${df}`);
  assert.ok(tCritical95(200) >= 1.96 && tCritical95(200) < tCritical95(30));
});

test('one or no value: no spread, no interval width', () => {
  assert.deepEqual(describe([7]), { mean: 7, sd: 0, ci95: [7, 7], n: 1, values: [7] });
  assert.equal(describe([]).n, 0);
});

test('coefficient of variation decides adaptive trials', () => {
  assert.equal(coefficientOfVariation([10, 10, 10]), 0);
  assert.ok(coefficientOfVariation([10, 15, 20]) > 0.1);
  assert.ok(coefficientOfVariation([100, 101, 99]) < 0.1);
  assert.equal(coefficientOfVariation([5]), 0);
});
