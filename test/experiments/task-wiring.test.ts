/** How the task and each backend's own options travel from the config to the replicas. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { replicaModelEnv } from '../../experiments/deploy/model-env.js';
import { kubeTarget } from '../../experiments/deploy/kubernetes/index.js';
import { renderManifests } from '../../experiments/deploy/kubernetes/render.js';
import { localBackend } from '../../experiments/deploy/local/index.js';
import { resolveConfig } from '../../experiments/plan/config.js';
import { buildPlan } from '../../experiments/plan/plan.js';
import { REPO_ROOT } from '../../lib/repo-root.js';

const ctx = { runId: 'run-1', backend: 'local', machineCores: 2, fitHost: false, profile: null, now: new Date(0) };
const planFor = (raw: Record<string, unknown> = {}, task?: 'detection' | 'pose') => buildPlan(resolveConfig(raw, 'test', undefined, task), ctx);

test('a detection replica gets MODEL_PATH; a pose replica TASK=pose and both pose models, never MODEL_PATH', () => {
  assert.deepEqual(replicaModelEnv({ task: 'detection', modelPath: '/m/det.onnx' }), { MODEL_PATH: '/m/det.onnx' });
  assert.deepEqual(replicaModelEnv({ task: 'pose', modelPath: '/m/kp.onnx', poseDetectorPath: '/m/person.onnx' }), {
    TASK: 'pose', POSE_MODEL_PATH: '/m/kp.onnx', POSE_DETECTOR_PATH: '/m/person.onnx',
  });
  assert.deepEqual(replicaModelEnv({ task: 'pose', modelPath: '/m/kp.onnx' }), { TASK: 'pose', POSE_MODEL_PATH: '/m/kp.onnx' });
});

test('every cell deploys the task\'s models, from the config\'s "model" or "pose", relative to the repository', () => {
  const det = planFor({ model: 'model/x.onnx' }).cells.map((c) => c.deployment);
  assert.ok(det.every((d) => d.modelPath === join(REPO_ROOT, 'model/x.onnx') && d.poseDetectorPath === undefined && d.task === 'detection'));
  const pose = planFor({ pose: { model: '/abs/kp.onnx' } }, 'pose').cells.map((c) => c.deployment);
  assert.ok(pose.every((d) => d.modelPath === '/abs/kp.onnx' && d.poseDetectorPath === join(REPO_ROOT, 'model/yolov8n_int8.onnx') && d.task === 'pose'));
  assert.deepEqual(planFor().cells.map((c) => [c.id, c.deployment.replicas, c.deployment.cpu, c.deployment.memoryMi]).slice(0, 3), [
    ['r1-cluster', 1, 0.5, 512], ['r1-remote', 1, 0.5, 512], ['r2-cluster', 2, 0.5, 512],
  ]);
});

test('each backend reads only its own options: kubernetes the cluster flags that were set, local the config\'s WAN', () => {
  // what the CLI hands over: every run option, of which only the cluster flags may reach kubernetes
  const flags = { context: 'lab', namespace: undefined, image: 'r/cd:1', keep: true };
  assert.deepEqual(kubeTarget(flags), { context: 'lab', image: 'r/cd:1' });
  const config = resolveConfig({ wan: { rttMs: 10, jitterMs: 8 } }, 'test');
  assert.throws(() => localBackend.configure({ flags: {}, config }), /wan\.jitterMs must not exceed half of wan\.rttMs/);
  assert.deepEqual(localBackend.configure({ flags: {}, config: resolveConfig({}, 'test') }).check(planFor().cells[0]!.deployment), []);
});

test('the kubernetes Deployment of a pose run carries TASK and the pose model paths inside the image', () => {
  const base = { runId: 'r', cpu: 0.5, memoryMi: 512, modelPath: '/host/model/kp.onnx', replicas: 1 };
  const env = (o: Parameters<typeof renderManifests>[0]) => {
    const d = renderManifests(o).objects.find((x) => x.kind === 'Deployment') as unknown as { spec: { template: { spec: { containers: { env: { name: string; value?: string }[] }[] } } } };
    return d.spec.template.spec.containers[0]!.env.filter((e) => e.value !== undefined).map((e) => `${e.name}=${e.value}`);
  };
  assert.deepEqual(env({ ...base, task: 'pose', poseDetectorPath: '/host/model/person.onnx', imageModelDir: '/srv/models' }), [
    'PORT=8080', 'MALLOC_ARENA_MAX=2', 'ORT_DISABLE_TELEMETRY=1', 'TASK=pose', 'POSE_MODEL_PATH=/srv/models/kp.onnx', 'POSE_DETECTOR_PATH=/srv/models/person.onnx',
  ]);
  assert.deepEqual(env(base), ['PORT=8080', 'MALLOC_ARENA_MAX=2', 'ORT_DISABLE_TELEMETRY=1', 'MODEL_PATH=/app/model/kp.onnx'], 'no task: detection, as before');
});
