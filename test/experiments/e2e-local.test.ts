/**
 * The whole study end to end on the REAL local backend: the real service in
 * cgroup-limited replicas behind the balancer, the real load worker, the
 * remote location through its network namespace and WAN proxy. The model is
 * a tiny Darknet network with seeded random weights converted by the
 * project's own converter, the images are generated here: nothing comes from
 * ../shared. Holds are very short so a 2×2 matrix stays well under two minutes.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Environment, MaxUsersTrial, Results, SUMMARY_CSV_COLUMNS, TrialResult } from '../../experiments/record/schema.js';
import { Plan } from '../../experiments/plan/plan.js';
import { runTag } from '../../experiments/deploy/local/ownership.js';
import { isRoot, leftovers } from '../helpers/local-options.js';
import { writeGeneratedModel } from '../helpers/service-model.js';
import { makeImages, runAll, tempDir } from './helpers.js';

const NOT_ROOT = 'not root: the local backend cannot create cgroups or network namespaces, so limits and netns are not checked';

/** Runs the CLI on the local backend; `whileRunning` may interrupt it. Bounded: a hung run is killed and fails. */
const localRun = (args: string[], whileRunning?: (child: ChildProcess) => () => void) =>
  runAll(args, { env: (parent) => ({ ...parent, CLOUDDETECT_BACKEND: 'local' }), timeoutMs: 150_000, ...(whileRunning ? { whileRunning } : {}) });

const readJson = async (file: string): Promise<unknown> => JSON.parse(await readFile(file, 'utf8'));

async function onlyRunDir(resultsDir: string): Promise<{ dir: string; tag: string }> {
  const ids = await readdir(resultsDir);
  assert.equal(ids.length, 1, `one run directory in ${resultsDir}, found ${ids.join(', ')}`);
  return { dir: join(resultsDir, ids[0]!), tag: runTag(ids[0]!) };
}

let tmp: Awaited<ReturnType<typeof tempDir>>;
let config: string;

before(async () => {
  tmp = await tempDir('cd-e2e-');
  const images = join(tmp.dir, 'images');
  await mkdir(images);
  await makeImages(images, 4);
  const model = await writeGeneratedModel(tmp.dir, 11);
  config = join(tmp.dir, 'tiny-local.json');
  await writeFile(
    config,
    JSON.stringify({
      replicas: [1, 2],
      locations: ['cluster', 'remote'],
      trials: { min: 1, max: 1, invalidRetries: 0 },
      replica: { cpu: 0.5, memoryMi: 512 },
      loadGenerator: { cpu: 1, bottleneckShare: 1 },
      images,
      model,
      thinkS: [0, 0],
      failure: { timeoutMs: 3000 },
      search: { startUsers: 1, upperBound: 4, confirmRetries: 1, holdS: 1.5, maxHoldS: 1.5, minRequests: 0, windowS: 0.5 },
      saturation: { durationS: 0.5, warmupS: 0.2 },
      wan: { rttMs: 20, jitterMs: 0, bandwidthMbit: 100 },
    }),
  );
});
after(async () => tmp.cleanup());

describe('run-all on the real local backend', { timeout: 300_000 }, () => {
  test('a 2×2 matrix runs end to end, validates, balances and leaves nothing behind', async (t) => {
    const resultsDir = join(tmp.dir, 'results');
    const run = await localRun(['--config', config, '--results-dir', resultsDir, '--no-report']);
    assert.equal(run.code, 0, run.stderr);
    const { dir, tag } = await onlyRunDir(resultsDir);

    const plan = Plan.parse(await readJson(join(dir, 'plan.json')));
    const environment = Environment.parse(await readJson(join(dir, 'environment.json')));
    const trialFiles = (await readdir(join(dir, 'trials'))).sort();
    assert.deepEqual(trialFiles, plan.trials.map((t) => `${t.id}.json`).sort());
    const trials = await Promise.all(trialFiles.map(async (f) => MaxUsersTrial.parse(await readJson(join(dir, 'trials', f)))));
    for (const trial of trials) {
      assert.ok(trial.valid, `${trial.id}: ${trial.invalidReason ?? ''}`);
      assert.ok(trial.maxUsers >= 1, `${trial.id} served at least one user`);
      assert.equal(trial.steps[trial.confirmStep]?.users, trial.maxUsers, `${trial.id} confirmed at max users`);
    }

    const results = Results.parse(await readJson(join(dir, 'experiment_results.json')));
    assert.equal(results.backend, 'local');
    assert.deepEqual(results.cells.map((c) => `${c.replicas}×${c.location}`).sort(), plan.cells.map((c) => `${c.replicas}×${c.location}`).sort());
    for (const cell of results.cells.filter((c) => c.replicas === 2)) {
      const served = Object.entries(cell.requestsPerReplica).filter(([, n]) => n > 0).map(([name]) => name).sort();
      assert.deepEqual(served, [`${tag}-replica-0`, `${tag}-replica-1`], `both replicas served ${cell.replicas}×${cell.location}`);
    }
    const remote = trials.find((t) => t.location === 'remote')!;
    assert.ok((remote.network.rttMs ?? 0) > (trials.find((t) => t.location === 'cluster')!.network.rttMs ?? Infinity), 'the remote path is slower than loopback');

    const csv = (await readFile(join(dir, 'experiment_summary.csv'), 'utf8')).trim().split('\n');
    assert.equal(csv[0], SUMMARY_CSV_COLUMNS.join(','));
    assert.equal(csv.length - 1, results.cells.length, 'one CSV row per cell');

    if (isRoot) {
      assert.equal(environment.limitsEnforced, true);
      assert.ok(trials.every((t) => t.limitsEnforced) && results.cells.every((c) => c.limitsEnforced));
      assert.match(remote.network.description, /network namespace/);
    } else t.diagnostic(NOT_ROOT);
    assert.deepEqual(await leftovers(tag), [], 'no process, cgroup or netns of the run is left');
  });

  test('Ctrl-C mid-trial exits 3, keeps the recorded trials and leaves nothing behind', async () => {
    const resultsDir = join(tmp.dir, 'interrupted');
    const slow = join(tmp.dir, 'slow.json');
    const base = (await readJson(config)) as { search: object };
    await writeFile(slow, JSON.stringify({ ...base, replicas: [1], search: { ...base.search, holdS: 1, maxHoldS: 1 } }));
    let recordedBefore: string[] = [];
    const run = await localRun(['--config', slow, '--results-dir', resultsDir, '--no-report'], (child) => {
      // interrupt once the second trial has started its load: a trial is recorded and one is mid-way
      const poll = setInterval(() => {
        void readdir(resultsDir)
          .then(async ([id]) => {
            if (!id || recordedBefore.length > 0) return;
            const log = await readFile(join(resultsDir, id, 'run.log'), 'utf8');
            const afterFirst = log.split('"event":"trial.end"')[1];
            if (afterFirst?.includes('"event":"job.start"')) {
              recordedBefore = await readdir(join(resultsDir, id, 'trials'));
              child.kill('SIGINT');
            }
          })
          .catch(() => undefined);
      }, 50);
      return () => clearInterval(poll);
    });
    assert.ok(recordedBefore.length > 0, `the run ended before the second trial started: ${run.stderr}`);
    assert.equal(run.code, 3, run.stderr);
    assert.match(run.stderr, /^aborted: /m);
    const { dir, tag } = await onlyRunDir(resultsDir);
    const kept = (await readdir(join(dir, 'trials'))).sort();
    assert.deepEqual(kept, recordedBefore.sort(), 'the finished trial is kept, the interrupted one is not recorded');
    for (const f of kept) TrialResult.parse(await readJson(join(dir, 'trials', f)));
    Results.parse(await readJson(join(dir, 'experiment_results.json')));
    assert.deepEqual(await leftovers(tag), [], 'no process, cgroup or netns of the run is left');
  });
});
