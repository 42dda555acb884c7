import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newHistogram, percentilesMs, recordMs } from '../../experiments/load/histogram.js';

test('no percentile is above the max, although HDR rounds percentiles up to their bucket', () => {
  const h = newHistogram();
  for (const ms of [100.3, 200.7, 1234.567]) recordMs(h, ms);
  // the precondition that made p99 > max possible: the bucket's upper end is above the exact max
  assert.ok(h.getValueAtPercentile(99) > h.maxValue);
  const p = percentilesMs(h);
  assert.equal(p.max, 1234.567);
  for (const key of ['p50', 'p90', 'p95', 'p99'] as const) assert.ok(p[key] <= p.max, `${key} ${p[key]} ≤ max ${p.max}`);
  assert.equal(p.p99, p.max);
  assert.ok(Math.abs(p.p50 - 200.7) < 0.2, 'lower percentiles keep their value');
});

test('an empty histogram reports zeros', () => {
  assert.deepEqual(percentilesMs(newHistogram()), { mean: 0, p50: 0, p90: 0, p95: 0, p99: 0, max: 0 });
});
