/** How the task and the per-backend options travel from the plan to the replicas. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backendExtras, modelFiles, REPO_ROOT, type Prepared } from '../../experiments/cli/stages.js';
import { replicaModelEnv } from '../../experiments/deploy/model-env.js';
import { renderManifests } from '../../experiments/deploy/kubernetes/render.js';
import { resolveConfig } from '../../experiments/plan/config.js';
import { buildPlan } from '../../experiments/plan/plan.js';
import { join } from 'node:path';

const ctx = { runId: 'run-1', machineCores: 2, fitHost: false, profile: null, now: new Date(0) };
const planFor = (backend: string, raw: Record<string, unknown> = {}, task?: 'detection' | 'pose') =>
  buildPlan(resolveConfig(raw, 'test', undefined, task), { ...ctx, backend });
const prepared = (plan: ReturnType<typeof planFor>) => ({ plan, ...modelFiles(plan) }) as unknown as Prepared;

test('a detection replica gets MODEL_PATH; a pose replica TASK=pose and both pose models, never MODEL_PATH', () => {
  assert.deepEqual(replicaModelEnv({ task: 'detection', modelPath: '/m/det.onnx' }), { MODEL_PATH: '/m/det.onnx' });
  assert.deepEqual(replicaModelEnv({ task: 'pose', modelPath: '/m/kp.onnx', poseDetectorPath: '/m/person.onnx' }), {
    TASK: 'pose', POSE_MODEL_PATH: '/m/kp.onnx', POSE_DETECTOR_PATH: '/m/person.onnx',
  });
  assert.deepEqual(replicaModelEnv({ task: 'pose', modelPath: '/m/kp.onnx' }), { TASK: 'pose', POSE_MODEL_PATH: '/m/kp.onnx' });
});

test('the model files follow the task, from the config\'s "model" or "pose", relative to the repository', () => {
  const det = modelFiles(planFor('local', { model: 'model/x.onnx' }));
  assert.equal(det.modelPath, join(REPO_ROOT, 'model/x.onnx'));
  assert.equal(det.poseDetectorPath, undefined);
  const pose = modelFiles(planFor('local', { pose: { model: '/abs/kp.onnx' } }, 'pose'));
  assert.equal(pose.modelPath, '/abs/kp.onnx');
  assert.equal(pose.poseDetectorPath, join(REPO_ROOT, 'model/yolov8n_int8.onnx'));
  assert.deepEqual(pose.files.map(([, key]) => key), ['pose.model', 'pose.detector']);
});

test('each backend gets only its own extras: local the generator\'s CPU, kubernetes the set cluster flags', () => {
  // what run-all.mjs hands over: every run option, of which only the cluster flags may reach the backend
  const kube = { context: 'lab', namespace: undefined, image: 'r/cd:1', keep: true, config: 'x.json', verbose: false };
  assert.deepEqual(backendExtras(prepared(planFor('local', { loadGenerator: { cpu: 0.75 } })), kube), { loadGenCpu: 0.75 });
  assert.deepEqual(backendExtras(prepared(planFor('kubernetes')), kube), { context: 'lab', image: 'r/cd:1' });
  assert.deepEqual(backendExtras(prepared(planFor('fake')), kube), {});
});

test('the kubernetes Deployment of a pose run carries TASK and the pose model paths inside the image', () => {
  const base = { runId: 'r', replicaCpu: 0.5, replicaMemoryMi: 512, modelPath: '/host/model/kp.onnx', replicas: 1 };
  const env = (o: Parameters<typeof renderManifests>[0]) => {
    const d = renderManifests(o).objects.find((x) => x.kind === 'Deployment') as unknown as { spec: { template: { spec: { containers: { env: { name: string; value?: string }[] }[] } } } };
    return d.spec.template.spec.containers[0]!.env.filter((e) => e.value !== undefined).map((e) => `${e.name}=${e.value}`);
  };
  assert.deepEqual(env({ ...base, task: 'pose', poseDetectorPath: '/host/model/person.onnx', imageModelDir: '/srv/models' }), [
    'PORT=8080', 'TASK=pose', 'POSE_MODEL_PATH=/srv/models/kp.onnx', 'POSE_DETECTOR_PATH=/srv/models/person.onnx',
  ]);
  assert.deepEqual(env(base), ['PORT=8080', 'MODEL_PATH=/app/model/kp.onnx'], 'no task: detection, as before');
});
