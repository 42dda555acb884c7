/** The local backend starts each replica with the environment of its task (experiments/deploy/model-env.ts). */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, test } from 'node:test';
import type { Backend } from '../../experiments/deploy/backend.js';
import { leftovers, repoRoot, testRun } from '../helpers/local-options.js';

// Writes the model variables it was given next to the logs, then behaves as the fake service.
const dumpEnvThenServe = `
import { writeFileSync } from 'node:fs';
const keys = ['TASK', 'MODEL_PATH', 'POSE_MODEL_PATH', 'POSE_DETECTOR_PATH'];
writeFileSync(process.env.ENV_DUMP + '/' + process.env.POD_NAME + '.json', JSON.stringify(Object.fromEntries(keys.map((k) => [k, process.env[k] ?? null]))));
await import(${JSON.stringify(path.join(repoRoot, 'bench/lib/fake-replica.ts'))});
`;

let running: { backend: Backend; tag: string } | undefined;
afterEach(async () => {
  if (!running) return;
  await running.backend.down();
  assert.deepEqual(await leftovers(running.tag), []);
  running = undefined;
});

async function replicaEnv(task: 'detection' | 'pose'): Promise<Record<string, string | null>> {
  const run = testRun({
    task,
    modelPath: `/m/${task}.onnx`,
    ...(task === 'pose' ? { poseDetectorPath: '/m/person.onnx' } : {}),
    replicaCommand: [process.execPath, '--import', 'tsx', '--input-type=module', '-e', dumpEnvThenServe],
  });
  run.own.replicaEnv = { ENV_DUMP: run.context.stateDir };
  const backend = await run.start();
  running = { backend, tag: run.tag };
  await backend.deploy(run.spec(1));
  return JSON.parse(await readFile(path.join(run.context.stateDir, `${run.tag}-replica-0.json`), 'utf8')) as Record<string, string | null>;
}

test('a pose run starts replicas with TASK=pose and both pose models, and no MODEL_PATH', async () => {
  assert.deepEqual(await replicaEnv('pose'), { TASK: 'pose', MODEL_PATH: null, POSE_MODEL_PATH: '/m/pose.onnx', POSE_DETECTOR_PATH: '/m/person.onnx' });
});

test('a detection run starts replicas with MODEL_PATH only', async () => {
  assert.deepEqual(await replicaEnv('detection'), { TASK: null, MODEL_PATH: '/m/detection.onnx', POSE_MODEL_PATH: null, POSE_DETECTOR_PATH: null });
});
