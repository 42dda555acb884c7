import assert from 'node:assert/strict';
import { test } from 'node:test';
import { holdIsDone, isSteady, type HoldRule } from '../../experiments/load/stability.js';
import { residualThink, seededRng } from '../../experiments/load/rng.js';

test('steady: the last three windows within 10 % or within counting noise, whatever came before', () => {
  const cases: Array<[number[], number, boolean, string]> = [
    [[1000, 1000, 1000], 1, true, 'flat'],
    [[1000, 1050, 960], 1, true, 'within 10 %'],
    [[1000, 1000, 800], 1, false, 'last window drops 20 %, far beyond counting noise'],
    [[100, 500, 1000, 1000, 1000], 1, true, 'warm-up before the last three windows is ignored'],
    [[1000, 1000], 1, false, 'fewer than three windows'],
    [[0, 0, 0], 1, false, 'an empty window is never steady'],
    [[500, 500, 600, 400, 500, 500], 2, true, '2 s windows even out per-second noise'],
    [[500, 500, 600, 400, 500, 500], 1, false, 'the same seconds as 1 s windows vary 40 %'],
    [[16, 20, 13], 1, true, 'a few requests a second: 43 % spread, but no more than Poisson noise'],
    [[16, 24, 8], 1, false, 'a few requests a second halving: more than counting noise explains'],
    [[16, 16, 0], 1, false, 'an empty window stays unsteady at low rates too'],
  ];
  for (const [counts, windowS, expected, why] of cases) assert.equal(isSteady(counts, windowS, 0.1), expected, why);
});

test('a hold ends at holdS when steady with enough requests, and never later than maxHoldS', () => {
  const rule: HoldRule = { holdS: 3, maxHoldS: 8, minRequests: 100, windowS: 1, stableTolerance: 0.1 };
  const steady = [50, 50, 50, 50];
  assert.equal(holdIsDone(rule, { elapsedS: 2, answered: 200, perSecondRequests: steady.slice(0, 2) }), false, 'before holdS');
  assert.equal(holdIsDone(rule, { elapsedS: 3, answered: 150, perSecondRequests: steady.slice(0, 3) }), true);
  assert.equal(holdIsDone(rule, { elapsedS: 4, answered: 90, perSecondRequests: steady }), false, 'too few requests');
  assert.equal(holdIsDone(rule, { elapsedS: 4, answered: 200, perSecondRequests: [50, 10, 80, 30] }), false, 'unsteady');
  assert.equal(holdIsDone(rule, { elapsedS: 8, answered: 5, perSecondRequests: [1, 0, 2, 0, 1, 0, 1, 0] }), true, 'maxHoldS');
  assert.equal(holdIsDone({ ...rule, maxHoldS: 3 }, { elapsedS: 3, answered: 0, perSecondRequests: [0, 0, 0] }), true, 'no extension allowed');
});

test('users start at the think time\'s equilibrium: mean residual E[T²] / 2E[T], never beyond max', () => {
  const rng = seededRng(3);
  const n = 20_000;
  const draws = Array.from({ length: n }, () => residualThink(rng, [1, 3]));
  const mean = draws.reduce((a, b) => a + b, 0) / n;
  // T ~ U(1, 3): E[T] = 2, E[T²] = 13/3, so the mean residual is 13/12.
  assert.ok(Math.abs(mean - 13 / 12) < 0.03, `mean ${mean}`);
  assert.ok(draws.every((d) => d >= 0 && d <= 3));
  assert.equal(residualThink(rng, [0, 0]), 0);
});
