/**
 * The CLI end to end on the fake backend: a tiny matrix, resume, dry-run,
 * bad input and Ctrl-C. The report is skipped (--no-report): it has its own
 * tests, and Chromium would dominate the time.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Environment, MaxUsersTrial, Results, SUMMARY_CSV_COLUMNS } from '../../experiments/record/schema.js';
import { Plan } from '../../experiments/plan/plan.js';
import { makeImages, runAll, tempDir, writeCorruptImage } from './helpers.js';

const fakeRun = (args: string[], onStderr?: (stderr: string, child: ChildProcess) => void) =>
  runAll(args, { env: (parent) => ({ ...parent, CLOUDDETECT_FAKE_SERVICE_MS: '10', CLOUDDETECT_FAKE_QUEUE: '2', CLOUDDETECT_BACKEND: 'fake' }), ...(onStderr ? { onStderr } : {}) });

let tmp: Awaited<ReturnType<typeof tempDir>>;
let config: string;
const results = () => join(tmp.dir, 'results');

before(async () => {
  tmp = await tempDir();
  const images = join(tmp.dir, 'images');
  await mkdir(images);
  await makeImages(images, 3);
  config = join(tmp.dir, 'tiny.json');
  await writeFile(
    config,
    JSON.stringify({
      replicas: [1, 2],
      locations: ['cluster', 'remote'],
      trials: { min: 1, max: 1 },
      images,
      thinkS: [0, 0],
      // The fake backend measures the generator's CPU together with the in-process service: give it room.
      loadGenerator: { cpu: 8, bottleneckShare: 1 },
      hostCores: 16,
      failure: { timeoutMs: 500 },
      search: { upperBound: 32, holdS: 0.5, maxHoldS: 1, minRequests: 10, windowS: 0.1 },
      saturation: { durationS: 0.3, warmupS: 0.1 },
      profiles: { quick: { locations: ['cluster'] } },
    }),
  );
});
after(async () => tmp.cleanup());

describe('run-all on the fake backend', () => {
  let runDir = '';

  test('a tiny matrix runs unattended and leaves checkable results', async () => {
    const run = await fakeRun(['--config', config, '--results-dir', results(), '--no-report']);
    assert.equal(run.code, 0, run.stderr);
    const [id] = await readdir(results());
    runDir = join(results(), id!);
    assert.match(run.stderr, /^done: max users 1×cluster /m);
    const plan = Plan.parse(JSON.parse(await readFile(join(runDir, 'plan.json'), 'utf8')));
    Environment.parse(JSON.parse(await readFile(join(runDir, 'environment.json'), 'utf8')));
    const trialFiles = (await readdir(join(runDir, 'trials'))).sort();
    assert.deepEqual(trialFiles, plan.trials.map((t) => `${t.id}.json`).sort());
    for (const f of trialFiles) {
      const trial = MaxUsersTrial.parse(JSON.parse(await readFile(join(runDir, 'trials', f), 'utf8')));
      assert.ok(trial.maxUsers > 0 && trial.valid, f);
      assert.equal(trial.steps[trial.confirmStep]?.users, trial.maxUsers);
    }
    const res = Results.parse(JSON.parse(await readFile(join(runDir, 'experiment_results.json'), 'utf8')));
    assert.equal(res.cells.length, 4);
    assert.ok(res.cells.every((c) => c.maxUsers.n === 1 && c.successRate === 1));
    const two = res.cells.find((c) => c.replicas === 2 && c.location === 'cluster')!;
    assert.deepEqual(Object.keys(two.requestsPerReplica).sort(), ['fake-0', 'fake-1'], 'both replicas served');
    const csv = (await readFile(join(runDir, 'experiment_summary.csv'), 'utf8')).trim().split('\n');
    assert.equal(csv[0], SUMMARY_CSV_COLUMNS.join(','));
    assert.equal(csv.length, 5);
    assert.match(await readFile(join(runDir, 'run.log'), 'utf8'), /"event":"trial.end"/);
  });

  test('--resume skips finished trials', async () => {
    assert.ok(runDir, 'needs the previous run');
    const before = await stat(join(runDir, 'trials', 'r1-cluster-t0.json'));
    const run = await fakeRun(['--resume', runDir, '--no-report']);
    assert.equal(run.code, 0, run.stderr);
    const after = await stat(join(runDir, 'trials', 'r1-cluster-t0.json'));
    assert.equal(after.mtimeMs, before.mtimeMs);
    assert.match(await readFile(join(runDir, 'run.log'), 'utf8'), /"event":"cell.skip"/);
  });

  test('--dry-run prints the plan and capacity check and starts nothing', async () => {
    const dir = join(tmp.dir, 'dry');
    const run = await fakeRun(['--config', config, '--results-dir', dir, '--dry-run', '--quick']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /1 replica × cluster/);
    assert.doesNotMatch(run.stderr, /× remote/, 'the quick profile applied');
    assert.match(run.stderr, /estimated/);
    assert.equal(existsSync(dir), false);
  });

  test('a bad config exits 2 naming every bad field', async () => {
    const bad = join(tmp.dir, 'bad.json');
    await writeFile(bad, JSON.stringify({ replicas: [-1], strategy: 'guess' }));
    const run = await fakeRun(['--config', bad, '--dry-run']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /- replicas\.0:/);
    assert.match(run.stderr, /- strategy:/);
  });

  test('an unreadable image is named before anything starts', async () => {
    const dir = join(tmp.dir, 'bad-images');
    await mkdir(dir);
    await makeImages(dir, 2);
    await writeCorruptImage(dir, 'broken.jpg');
    const cfg = join(tmp.dir, 'bad-images.json');
    await writeFile(cfg, JSON.stringify({ images: dir }));
    const run = await fakeRun(['--config', cfg, '--dry-run']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /1 of 3 images .* cannot be decoded:\n {2}- broken\.jpg/);
  });

  test('SIGTERM stops the load, keeps what was recorded and exits 3 with a summary', async () => {
    const slow = join(tmp.dir, 'slow.json');
    await writeFile(slow, JSON.stringify({ ...JSON.parse(await readFile(config, 'utf8')), search: { holdS: 30, maxHoldS: 30 } }));
    let sent = false;
    const run = await fakeRun(['--config', slow, '--results-dir', join(tmp.dir, 'aborted'), '--no-report'], (s, child) => {
      if (!sent && /users [1-9]/.test(s)) {
        sent = true;
        child.kill('SIGTERM');
      }
    });
    assert.equal(run.code, 3, run.stderr);
    assert.match(run.stderr, /^aborted: /m);
    const [id] = await readdir(join(tmp.dir, 'aborted'));
    Results.parse(JSON.parse(await readFile(join(tmp.dir, 'aborted', id!, 'experiment_results.json'), 'utf8')));
  });
});
