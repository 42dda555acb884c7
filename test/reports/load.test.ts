import assert from 'node:assert/strict';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { loadRunFiles, RunFileError } from '../../reports/run-files.js';
import { loadReplicasRun } from '../../reports/sections/replicas/load.js';

/** The shared run files and the replicas study's own, as the report reads them. */
function loadRun(dir: string) {
  const files = loadRunFiles(dir);
  return { input: loadReplicasRun(files), warnings: files.warnings };
}
import { loadFixtureRun, writeRun } from '../fixtures/make-run-fixture.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'report-load-'));
  writeRun(dir, loadFixtureRun());
  // the fixture is a real local run (backend/deployment.json); the root path is the hand-made layout
  renameSync(join(dir, 'backend', 'deployment.json'), join(dir, 'deployment.json'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test('a generated run loads with every optional file and no warnings', () => {
  const { input, warnings } = loadRun(dir);
  assert.deepEqual(warnings, []);
  assert.equal(input.trials.length, loadFixtureRun().trials.length);
  assert.equal(input.deployment?.file, 'deployment.json');
  assert.ok(input.replicaLogs.length > 0 && input.replicaLogs.every((l) => l.lines.length === 3));
});

test('a results file that breaks the schema is an error naming the file and the field', () => {
  const results = JSON.parse(JSON.stringify(loadFixtureRun().results));
  results.cells[1].maxUsers.mean = 'many';
  writeFileSync(join(dir, 'experiment_results.json'), JSON.stringify(results));
  assert.throws(() => loadRun(dir), (err: unknown) => err instanceof RunFileError
    && err.file === join(dir, 'experiment_results.json')
    && /experiment_results\.json: does not match the schema: cells\.1\.maxUsers\.mean: .*number/.test(err.message));
});

test('a truncated JSON file and a bad trial file are named too', () => {
  writeFileSync(join(dir, 'trials', 'remote-r2-t1.json'), '{"schemaVersion": 1, "id": ');
  assert.throws(() => loadRun(dir), /trials\/remote-r2-t1\.json: not valid JSON/);
  writeFileSync(join(dir, 'experiment_results.json'), '{');
  assert.throws(() => loadRun(dir), /experiment_results\.json: not valid JSON/);
});

test('missing optional files are warnings; a missing results file or directory is an error', () => {
  rmSync(join(dir, 'plan.json'));
  rmSync(join(dir, 'deployment.json'));
  rmSync(join(dir, 'replicas'), { recursive: true });
  const { input, warnings } = loadRun(dir);
  assert.equal(input.plan, null);
  assert.deepEqual(input.replicaLogs, []);
  assert.equal(warnings.length, 2);
  rmSync(join(dir, 'experiment_results.json'));
  assert.throws(() => loadRun(dir), /experiment_results\.json: not found/);
  assert.throws(() => loadRun(join(dir, 'nope')), /run directory not found/);
});

test('deployment.json is shown as YAML', () => {
  writeFileSync(join(dir, 'deployment.json'), JSON.stringify({ kind: 'Deployment', spec: { replicas: 2 } }));
  assert.match(loadRun(dir).input.deployment!.text, /kind: Deployment\nspec:\n {2}replicas: 2/);
});

test('the backends\' own places are found: local backend/deployment.json + backend/replicas, kubernetes backend/deployment.yaml + backend/pods', () => {
  const rootLogs = loadRun(dir).input.replicaLogs;
  rmSync(join(dir, 'deployment.json'));
  renameSync(join(dir, 'replicas'), join(dir, 'backend', 'replicas'));
  writeFileSync(join(dir, 'backend', 'deployment.json'), JSON.stringify({ kind: 'LocalDeployment', replicas: 4 }));
  const local = loadRun(dir);
  assert.deepEqual(local.warnings, []);
  assert.equal(local.input.deployment?.file, 'backend/deployment.json');
  assert.match(local.input.deployment!.text, /kind: LocalDeployment/);
  assert.deepEqual(local.input.replicaLogs, rootLogs);

  rmSync(join(dir, 'backend', 'deployment.json'));
  renameSync(join(dir, 'backend', 'replicas'), join(dir, 'backend', 'pods'));
  writeFileSync(join(dir, 'backend', 'deployment.yaml'), 'kind: Deployment\nmetadata:\n  name: clouddetect-x\n');
  const kube = loadRun(dir);
  assert.equal(kube.input.deployment?.file, 'backend/deployment.yaml');
  assert.deepEqual(kube.input.replicaLogs, rootLogs);

  // a file at the root wins over the backend's copy
  writeFileSync(join(dir, 'deployment.yaml'), 'kind: Deployment\nmetadata:\n  name: by-hand\n');
  assert.equal(loadRun(dir).input.deployment?.file, 'deployment.yaml');
});
