import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeHistogram, mergeHistograms, percentilesMs } from '../../experiments/load/histogram.js';
import { buildStep, failureCause } from '../../experiments/load/step-builder.js';
import { Step } from '../../experiments/contracts/domain.js';
import { checkResponse } from '../../experiments/load/check-response.js';

const base = { users: 4, startedAt: new Date(0).toISOString(), loadGenCpu: 0.2, windowS: 1, stableTolerance: 0.1 };

test('a step counts requests, failures by kind and answers per replica, and passes only at 100 %', () => {
  const records = [
    { doneAtMs: 100, latencyMs: 10, servedBy: 'a' },
    { doneAtMs: 1100, latencyMs: 20, servedBy: 'b' },
    { doneAtMs: 1200, latencyMs: 30, servedBy: 'a' },
    { doneAtMs: 1900, latencyMs: 5000, error: 'timeout' as const },
    { doneAtMs: 1950, latencyMs: 3, error: 'status' as const, servedBy: 'b' },
  ];
  const step = buildStep({ ...base, durationS: 2, records });
  assert.ok(Step.safeParse(step).success, 'matches the on-disk schema');
  assert.equal(step.requests, 5);
  assert.equal(step.successes, 3);
  assert.deepEqual(step.errors, { status: 1, body: 0, 'id-mismatch': 0, timeout: 1, connection: 0 });
  assert.deepEqual(step.perReplica, { a: 2, b: 2 });
  assert.deepEqual(step.perSecond.map((s) => [s.requests, s.errors]), [[1, 0], [4, 2]]);
  assert.equal(step.qps.avg, 2.5);
  assert.equal(step.qps.max, 4);
  assert.equal(step.passed, false);
  assert.equal(failureCause(step), 'failure');
  assert.equal(buildStep({ ...base, durationS: 2, records: records.slice(0, 3) }).passed, true);
});

test('the latency objective fails a level whose p95 is above it even at 100 % success', () => {
  const records = Array.from({ length: 100 }, (_, i) => ({ doneAtMs: i * 10, latencyMs: i < 90 ? 100 : 3000 }));
  const step = buildStep({ ...base, durationS: 1, records, p95ObjectiveMs: 2000 });
  assert.equal(step.successes, 100);
  assert.equal(step.passed, false);
  assert.equal(failureCause(step), 'latency-objective');
  assert.equal(buildStep({ ...base, durationS: 1, records, p95ObjectiveMs: 4000 }).passed, true);
});

test('histograms round-trip through their encoding and merge across steps', () => {
  const a = buildStep({ ...base, durationS: 1, records: Array.from({ length: 50 }, () => ({ doneAtMs: 1, latencyMs: 100 })) });
  const b = buildStep({ ...base, durationS: 1, records: Array.from({ length: 50 }, () => ({ doneAtMs: 1, latencyMs: 300 })) });
  assert.equal(decodeHistogram(a.histogram).totalCount, 50);
  const merged = mergeHistograms([a.histogram, b.histogram]);
  assert.equal(merged.totalCount, 100);
  const p = percentilesMs(merged);
  assert.ok(Math.abs(p.p50 - 100) < 1 && Math.abs(p.p95 - 300) < 1 && Math.abs(p.mean - 200) < 1);
});

test('an answer is checked for status, contract shape and the echoed id', () => {
  const ok = JSON.stringify({ id: 'x', objects: [{ label: 'dog', accuracy: 0.5, rectangle: { height: 1, left: 2, top: 3, width: 4 } }] });
  assert.equal(checkResponse('detection', 200, ok, 'x'), null);
  assert.equal(checkResponse('detection', 503, ok, 'x'), 'status');
  assert.equal(checkResponse('detection', 200, ok, 'y'), 'id-mismatch');
  assert.equal(checkResponse('detection', 200, '{"id":"x"}', 'x'), 'body');
  assert.equal(checkResponse('detection', 200, 'not json', 'x'), 'body');
  assert.equal(checkResponse('detection', 200, ok.replace('0.5', '1.5'), 'x'), 'body');
});
