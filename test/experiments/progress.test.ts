import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { etaSeconds, formatDuration, ProgressLine } from '../../experiments/cli/progress-line.js';
import { failureBound, formatTrial } from '../../experiments/cli/plan-text.js';
import { trialFrom } from './helpers.js';

test('the ETA uses the plan estimate until trials have ended, then their measured mean', () => {
  assert.equal(etaSeconds({ remainingTrials: 4, finishedTrialSeconds: [], estimatePerTrialS: 50, currentTrialElapsedS: 10 }), 190);
  assert.equal(etaSeconds({ remainingTrials: 4, finishedTrialSeconds: [20, 40], estimatePerTrialS: 50, currentTrialElapsedS: 10 }), 110);
  assert.equal(etaSeconds({ remainingTrials: 0, finishedTrialSeconds: [20], estimatePerTrialS: 50, currentTrialElapsedS: 10 }), 0);
});

test('durations read as a person writes them', () => {
  assert.equal(formatDuration(42), '42s');
  assert.equal(formatDuration(125), '2m05s');
  assert.equal(formatDuration(3 * 3600 + 7 * 60), '3h07m');
  assert.equal(formatDuration(Number.NaN), '?');
});

test('a finished trial line states the answer and the evidence behind its 100 %', () => {
  const line = formatTrial(trialFrom({ replicas: 2, location: 'remote', trial: 0, maxUsers: 17 }));
  assert.match(line, /^r2-remote-t0: max 17 users, decided by failure; confirming hold 50 requests, 0 failed, failure rate < 6\.0 % at 95 %/);
  assert.match(formatTrial(trialFrom({ replicas: 1, location: 'cluster', trial: 1, maxUsers: 3, valid: false })), /INVALID \(test\)$/);
  assert.equal(failureBound(300), '1.0 %');
});

test('off a terminal the live line still reports cell, users and trials, and notes go above it', () => {
  const stream = new PassThrough() as unknown as NodeJS.WriteStream;
  let out = '';
  (stream as unknown as PassThrough).on('data', (d: Buffer) => (out += d));
  const line = new ProgressLine(3, () => 65, stream);
  line.update({ cell: '2×remote', trial: 't0', users: 12, qps: 7.25, errors: 0 }, 1);
  line.note('r2-remote-t0: max 12 users');
  line.update({ users: 14 });
  line.stop();
  assert.match(out, /2×remote t0 \| users 12 \| 7\.3 req\/s \| errors 0 \| trials 1\/3 \| ETA 1m05s/);
  assert.match(out, /r2-remote-t0: max 12 users\n/);
  assert.match(out, /users 14 .* trials 1\/3/);
});
