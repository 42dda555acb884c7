import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { nextTrial, remainingTrials, startHint } from '../../experiments/engine/cell-trials.js';
import { resolveConfig } from '../../experiments/plan/config.js';
import { RunStore, writeAtomic } from '../../experiments/record/store.js';
import { isMaxUsersTrial, type TrialResult } from '../../experiments/record/schema.js';
import { tempDir, trialFrom } from './helpers.js';

const cellOf = (replicas: number, location: 'cluster' | 'remote') => ({ id: `r${replicas}-${location}`, replicas, location });
const byMaxUsers = (t: TrialResult) => (isMaxUsersTrial(t) ? t.maxUsers : Number.NaN);

let tmp: Awaited<ReturnType<typeof tempDir>>;
beforeEach(async () => {
  tmp = await tempDir();
});
afterEach(async () => {
  await tmp.cleanup();
});

describe('atomic writes', () => {
  test('a write replaces the whole file and leaves no temp file behind', async () => {
    const file = join(tmp.dir, 'x.json');
    await writeAtomic(file, 'old');
    await writeAtomic(file, 'new');
    assert.equal(await readFile(file, 'utf8'), 'new');
    assert.deepEqual(await readdir(tmp.dir), ['x.json']);
  });

  test('a failed write leaves the old file intact', async () => {
    const file = join(tmp.dir, 'x.json');
    await writeAtomic(file, 'old');
    await assert.rejects(writeAtomic(join(tmp.dir, 'missing-dir', 'x.json'), 'new'));
    assert.equal(await readFile(file, 'utf8'), 'old');
  });

  test('trials are read back validated; a crash\'s temp file is ignored; a corrupt trial is named', async () => {
    const store = new RunStore(tmp.dir);
    await store.init();
    await store.writeTrial(trialFrom({ replicas: 1, location: 'cluster', trial: 0, maxUsers: 9 }));
    await writeFile(join(store.trialsDir, 'r1-cluster-t1.json.123.tmp'), '{"half');
    const trials = await store.readTrials();
    assert.deepEqual(trials.map((t) => [t.id, byMaxUsers(t)]), [['r1-cluster-t0', 9]]);
    await writeFile(join(store.trialsDir, 'r1-cluster-t2.json'), '{"id": 3}');
    await assert.rejects(store.readTrials(), /r1-cluster-t2\.json: .*(question|schemaVersion)/);
  });
});

describe('resume and adaptive trials', () => {
  const config = resolveConfig({ trials: { min: 3, max: 5, ciHalfWidth: 0.1, invalidRetries: 1 } }, 't');
  const t = (trial: number, maxUsers: number, valid = true) => trialFrom({ replicas: 2, location: 'remote', trial, maxUsers, valid });

  test('finished trials are skipped; the first missing one runs next', () => {
    assert.deepEqual(nextTrial(config, cellOf(2, 'remote'), [], byMaxUsers), { trial: 0, attempt: 0 });
    assert.deepEqual(nextTrial(config, cellOf(2, 'remote'), [t(0, 10), t(1, 10)], byMaxUsers), { trial: 2, attempt: 0 });
    assert.deepEqual(nextTrial(config, cellOf(2, 'remote'), [t(0, 10), t(2, 10)], byMaxUsers), { trial: 1, attempt: 0 });
    assert.deepEqual(nextTrial(config, cellOf(1, 'remote'), [t(0, 10)], byMaxUsers), { trial: 0, attempt: 0 }, 'other cells do not count');
  });

  test('an invalid trial is retried up to invalidRetries, then left as invalid', () => {
    assert.deepEqual(nextTrial(config, cellOf(2, 'remote'), [t(0, 10, false)], byMaxUsers), { trial: 0, attempt: 1 });
    assert.deepEqual(nextTrial(config, cellOf(2, 'remote'), [t(0, 10, false), t(0, 10, false)], byMaxUsers), { trial: 1, attempt: 0 });
  });

  test('past the minimum, trials are added only while max users vary over the threshold, up to the cap', () => {
    assert.equal(nextTrial(config, cellOf(2, 'remote'), [t(0, 10), t(1, 10), t(2, 10)], byMaxUsers), null, 'agreeing trials: done');
    assert.deepEqual(nextTrial(config, cellOf(2, 'remote'), [t(0, 10), t(1, 15), t(2, 20)], byMaxUsers), { trial: 3, attempt: 0 });
    assert.equal(nextTrial(config, cellOf(2, 'remote'), [t(0, 10), t(1, 15), t(2, 20), t(3, 10), t(4, 20)], byMaxUsers), null, 'cap reached');
  });
});

describe('search start and remaining trials', () => {
  const config = resolveConfig({ trials: { min: 2, max: 3, invalidRetries: 1 }, search: { startUsers: 4 } }, 't');
  const t = (replicas: number, trial: number, maxUsers: number, valid = true) => trialFrom({ replicas, location: 'cluster', trial, maxUsers, valid });

  test('search starts at the cell\'s earlier answer, else at the answer with the next fewer replicas, else the configured start', () => {
    assert.equal(startHint(config, cellOf(1, 'cluster'), []), 4);
    assert.equal(startHint(config, cellOf(2, 'cluster'), [t(1, 0, 30)]), 30);
    assert.equal(startHint(config, cellOf(4, 'cluster'), [t(1, 0, 30), t(2, 0, 50), t(2, 1, 70), t(2, 2, 60)]), 60, 'median of the closest fewer replicas');
    assert.equal(startHint(config, cellOf(2, 'cluster'), [t(1, 0, 30), t(2, 0, 44)]), 44, 'own cell first');
    assert.equal(startHint(config, cellOf(2, 'cluster'), [t(1, 0, 30, false)]), 4, 'invalid answers are not used');
    assert.equal(startHint(config, cellOf(2, 'cluster'), [t(1, 0, 2)]), 4, 'never below the configured start');
  });

  test('remaining trials count the unsettled minimum, retries and a pending adaptive trial', () => {
    const cells = [cellOf(1, 'cluster'), cellOf(2, 'cluster')];
    assert.equal(remainingTrials(config, cells, [], byMaxUsers), 4);
    assert.equal(remainingTrials(config, cells, [t(1, 0, 10)], byMaxUsers), 3);
    assert.equal(remainingTrials(config, cells, [t(1, 0, 10), t(1, 1, 10, false)], byMaxUsers), 3, 'an invalid trial will be retried');
    assert.equal(remainingTrials(config, cells, [t(1, 0, 10), t(1, 1, 20)], byMaxUsers), 3, 'disagreeing trials add an adaptive one');
  });
});
