/**
 * `run-all --study resources` end to end on the fake backend (no models, no
 * cgroups): the plan with its skipped GPU configuration, the four result
 * files, the one-line answer, and --resume that has nothing left to do.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { RESULTS_CSV_COLUMNS } from '../../experiments/analyse/resources-files.js';
import { WorkloadTrial } from '../../experiments/record/schema.js';
import { makeImages, runAll, tempDir } from './helpers.js';

const fakeRun = (args: string[]) =>
  runAll(args, { env: (parent) => ({ ...parent, CLOUDDETECT_FAKE_SERVICE_MS: '5', CLOUDDETECT_FAKE_QUEUE: '8', CLOUDDETECT_BACKEND: 'fake' }) });

let tmp: Awaited<ReturnType<typeof tempDir>>;
let config: string;

before(async () => {
  tmp = await tempDir('cd-res-cli-');
  const images = join(tmp.dir, 'images');
  await mkdir(images);
  await makeImages(images, 3);
  config = join(tmp.dir, 'resources.json');
  await writeFile(config, JSON.stringify({
    study: 'resources',
    images,
    trials: { min: 1, max: 1 },
    loadGenerator: { cpu: 8, bottleneckShare: 1 },
    hostCores: 16,
    resources: {
      grid: { cpus: [0.5, 1], memoryMi: [512] },
      configurations: [{ name: 'gpu-half', cpu: 1, memoryMi: 1024, gpu: { count: 1, coresPercent: 50, memoryMi: 12000 } }],
      models: [{ name: 'fake', task: 'detection', model: 'model/fake.onnx' }],
      workload: { warmupS: 0, durationS: 0.5, maxRequests: 20, saturationConcurrency: 2 },
    },
  }));
});
after(async () => tmp.cleanup());

test('--dry-run lists the grid, the skipped GPU configuration and the estimate', async () => {
  const run = await fakeRun(['--config', config, '--dry-run', '--results-dir', join(tmp.dir, 'dry')]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, /study resources/);
  assert.match(run.stderr, /cpu0\.5-mem512 +fake +0\.5 +512/);
  assert.match(run.stderr, /gpu-half .*1 vGPU 50 % 12000 MiB .*SKIPPED: GPU share not available on this backend/);
  assert.match(run.stderr, /2 trials planned, 1 cell skipped, estimated/);
  assert.equal(existsSync(join(tmp.dir, 'dry')), false);
});

test('a run writes the four files with the seed\'s columns and ours, then --resume has nothing to do', async () => {
  const results = join(tmp.dir, 'results');
  const run = await fakeRun(['--config', config, '--results-dir', results, '--no-report']);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, /^done: 3 configurations × models: 2 served, 0 oom, 0 failed, 1 skipped; best fake [\d.]+ images\/s/m);
  const [id] = await readdir(results);
  const dir = join(results, id!);
  for (const f of ['experiment_results.csv', 'experiment_analysis.csv', 'experiment_summary.json', 'optimal_configurations.json']) assert.ok(existsSync(join(dir, f)), f);
  const csv = (await readFile(join(dir, 'experiment_results.csv'), 'utf8')).trim().split('\n');
  assert.equal(csv[0], RESULTS_CSV_COLUMNS.join(','));
  assert.equal(csv.length, 4);
  assert.match(csv[3]!, /^gpu-half,detection,1,1,0\.5,12000,.*,skipped,GPU share not available on this backend,/);
  for (const f of await readdir(join(dir, 'trials'))) {
    const t = WorkloadTrial.parse(JSON.parse(await readFile(join(dir, 'trials', f), 'utf8')));
    assert.equal(t.status, 'success');
    assert.deepEqual(t.levels.map((l) => l.concurrency), [1, 2]);
    // a level ends at maxRequests answers; answers already in flight on the other connections still count
    assert.ok(t.levels.every((l) => l.successes > 0 && l.requests <= 20 + l.concurrency), JSON.stringify(t.levels.map((l) => [l.requests, l.successes])));
  }
  const optimal = JSON.parse(await readFile(join(dir, 'optimal_configurations.json'), 'utf8'));
  assert.equal(optimal.byTaskModel[0].model, 'fake');
  const resumed = await fakeRun(['--resume', dir, '--no-report']);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(await readFile(join(dir, 'run.log'), 'utf8'), /"event":"cell.skip","cell":"fake-cpu0.5-mem512","reason":"already recorded \(--resume\)"/);
});
