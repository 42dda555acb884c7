import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { Service } from 'kubernetes-models/v1/Service';
import { DeploymentSpec, sameReplicaShape } from '../../experiments/contracts/deployment.js';
import { renderManifests, specManifestOptions } from '../../experiments/deploy/kubernetes/render.js';
import { kubernetesBackend } from '../../experiments/deploy/kubernetes/index.js';
import { localBackend } from '../../experiments/deploy/local/index.js';
import { ConfigError, loadConfig, resolveConfig, StudyConfig } from '../../experiments/plan/config.js';
import { buildPlan, PlanError, runnableCells, type PlanContext } from '../../experiments/plan/plan.js';
import { configurations, resourcesStudy } from '../../experiments/studies/resources.js';
import { REPO_ROOT } from '../../lib/repo-root.js';

const ctx = (over: Partial<PlanContext> = {}): PlanContext => ({
  runId: 'res-test', backend: 'local', machineCores: 2, fitHost: false, profile: null, now: new Date(0), ...over,
});

const config = (resources: Record<string, unknown>, rest: Record<string, unknown> = {}) =>
  resolveConfig({ study: 'resources', resources, ...rest }, 'test config');

const small = {
  grid: { cpus: [1, 0.25, 0.5], memoryMi: [512, 64] },
  configurations: [{ name: 'gpu-half', cpu: 1, memoryMi: 1024, gpu: { count: 1, coresPercent: 50, memoryMi: 12000 } }],
  models: [
    { name: 'yolox-nano', task: 'detection', model: 'model/yolox_nano.onnx' },
    { name: 'tiny', task: 'detection', model: 'model/absent.onnx', ifInstalled: true },
    { name: 'movenet', task: 'pose', model: 'model/movenet.onnx', detector: 'model/person.onnx' },
  ],
};

test('the grid runs memory then CPU ascending, then the named configurations, for every model in turn', () => {
  const c = config(small);
  assert.deepEqual(configurations(c).map((s) => s.name), ['cpu0.25-mem64', 'cpu0.5-mem64', 'cpu1-mem64', 'cpu0.25-mem512', 'cpu0.5-mem512', 'cpu1-mem512', 'gpu-half']);
  const plan = buildPlan(c, ctx({ fileExists: (f) => !f.endsWith('absent.onnx') }));
  assert.equal(plan.cells.length, 3 * 7);
  assert.deepEqual(plan.cells.slice(0, 2).map((x) => x.id), ['yolox-nano-cpu0.25-mem64', 'yolox-nano-cpu0.5-mem64']);
  assert.equal(new Set(plan.cells.map((x) => x.id)).size, plan.cells.length, 'cell ids are unique');
  const pose = plan.cells.find((x) => x.id === 'movenet-cpu0.5-mem512')!;
  assert.deepEqual(pose.deployment, {
    task: 'pose', replicas: 1, cpu: 0.5, memoryMi: 512, balancer: { policy: 'round-robin' },
    modelPath: path.join(REPO_ROOT, 'model/movenet.onnx'), poseDetectorPath: path.join(REPO_ROOT, 'model/person.onnx'),
  });
  assert.deepEqual(pose.labels, { configuration: 'cpu0.5-mem512', model: 'movenet' });
  // every cell is its own replica shape, so each deploy replaces the replica with new limits
  const runnable = runnableCells(plan.cells);
  assert.ok(runnable.every((a, i) => runnable.every((b, j) => i === j || !sameReplicaShape(a.deployment, b.deployment))));
});

test('GPU configurations and absent optional models are planned as skipped, with the reason, and get no trials', () => {
  const plan = buildPlan(config(small), ctx({ fileExists: (f) => !f.endsWith('absent.onnx') }));
  const skipped = plan.cells.filter((c) => c.skip !== undefined);
  assert.deepEqual(
    [...new Set(skipped.map((c) => c.skip))].sort(),
    ['GPU share not available on this backend', 'model not installed (model/absent.onnx)'],
  );
  assert.equal(skipped.length, 7 + 2, 'all of the absent model, and the GPU configuration of the other two');
  assert.ok(plan.trials.every((t) => !skipped.some((c) => c.id === t.cell)));
  const onKubernetes = buildPlan(config(small), ctx({ gpu: true, fileExists: () => true }));
  assert.equal(onKubernetes.cells.filter((c) => c.skip).length, 0);
  assert.deepEqual(onKubernetes.cells.find((c) => c.id === 'yolox-nano-gpu-half')!.deployment.gpu, { count: 1, coresPercent: 50, memoryMi: 12000 });
});

test('a configuration whose replica and load generator exceed the host is capacity-bound and warned about', () => {
  const plan = buildPlan(config({ ...small, grid: { cpus: [1, 2], memoryMi: [512] } }), ctx());
  const byId = Object.fromEntries(plan.cells.map((c) => [c.id, c]));
  assert.equal(byId['yolox-nano-cpu1-mem512']!.capacityBound, false);
  assert.equal(byId['yolox-nano-cpu1-mem512']!.cpuDemand, 2);
  assert.equal(byId['yolox-nano-cpu2-mem512']!.capacityBound, true);
  assert.match(plan.warnings.join('\n'), /CAPACITY: cpu2-mem512 \(2 \+ 1 for the load generator\)/);
  assert.throws(() => buildPlan(config(small), ctx({ fitHost: true })), PlanError);
});

test('the config is strict: fractional vGPUs, unknown keys, duplicate names and pose without a detector are refused', () => {
  assert.throws(() => config({ configurations: [{ name: 'half', cpu: 1, memoryMi: 512, gpu: { count: 0.5 } }] }), /gpu\.count/);
  assert.throws(() => config({ configurations: [{ name: 'x', cpu: 1, memoryMi: 512, gpu: { count: 1, coresPercent: 150 } }] }), /coresPercent/);
  assert.throws(() => config({ grid: { cpu: [1] } }), (err: Error) => err instanceof ConfigError && /cpu/.test(err.message));
  assert.throws(() => config({ models: [{ name: 'a', task: 'detection', model: 'x' }, { name: 'a', task: 'detection', model: 'y' }] }), /unique/);
  assert.throws(() => config({ models: [{ name: 'p', task: 'pose', model: 'x' }] }), /detector/);
  assert.throws(() => config({ grid: { cpus: [], memoryMi: [] }, configurations: [] }), /nothing to measure/);
  assert.throws(() => config({}, { resources: undefined, readyTimeoutS: 0 }), /readyTimeoutS/);
});

test('the models that must exist are named with their config keys; those measured only when installed are not', () => {
  assert.deepEqual(resourcesStudy.modelFiles(config(small)), [
    [path.join(REPO_ROOT, 'model/yolox_nano.onnx'), 'resources.models[0].model'],
    [path.join(REPO_ROOT, 'model/movenet.onnx'), 'resources.models[2].model'],
    [path.join(REPO_ROOT, 'model/person.onnx'), 'resources.models[2].detector'],
  ]);
  assert.deepEqual(resourcesStudy.modelFiles({ resources: { models: 'not a list' } }), []);
});

test('the shipped config and its quick profile plan ≥ 3 CPU levels × 2 memory levels × 2 tasks and a too-small memory level', async () => {
  const file = path.join(REPO_ROOT, 'experiments/configs/resources.json');
  for (const profile of [undefined, 'quick']) {
    const c = await loadConfig(file, profile);
    assert.equal(c.study, 'resources');
    const plan = buildPlan(c, ctx({ fileExists: () => true }));
    const run = runnableCells(plan.cells);
    assert.ok(new Set(run.map((x) => x.deployment.cpu)).size >= 3);
    assert.ok(new Set(run.map((x) => x.deployment.memoryMi)).size >= 2);
    assert.deepEqual(new Set(run.map((x) => x.deployment.task)), new Set(['detection', 'pose']));
    assert.ok(run.some((x) => x.deployment.memoryMi <= 64), 'a memory limit below what a model needs (~90 MiB charged at ready)');
    assert.ok(plan.cells.some((x) => x.deployment.gpu && x.skip), 'GPU configurations are listed, skipped locally');
  }
});

const MODELS: Record<string, new (data: any) => { validate(): void }> = { Deployment, Service };

test('GPU configurations render HAMi resource names with an integer nvidia.com/gpu and pass the OpenAPI schemas', () => {
  const plan = buildPlan(config(small), ctx({ gpu: true, fileExists: () => true }));
  const gpuCells = plan.cells.filter((c) => c.deployment.gpu);
  assert.equal(gpuCells.length, 3);
  for (const cell of gpuCells) {
    const { objects } = renderManifests(specManifestOptions(plan.runId, cell.deployment));
    for (const o of objects as any[]) new MODELS[o.kind]!(o).validate();
    const resources = (objects[0] as any).spec.template.spec.containers[0].resources;
    assert.deepEqual(resources.limits, { cpu: '1', memory: '1024Mi', 'nvidia.com/gpu': '1', 'nvidia.com/gpucores': '50', 'nvidia.com/gpumem': '12000' });
    assert.deepEqual(resources.requests, { cpu: '1', memory: '1024Mi' }, 'extended resources: the API server sets the request to the limit');
  }
  const cpuOnly = renderManifests(specManifestOptions(plan.runId, plan.cells[0]!.deployment));
  assert.ok(!JSON.stringify(cpuOnly.objects).includes('nvidia.com'));
  assert.throws(() => renderManifests({ ...specManifestOptions('r', gpuCells[0]!.deployment), gpuShare: { count: 0.5 } as never }), /gpuShare: count/);
});

test('a GPU share and the backend-wide gpu option together are refused before anything starts; local never sees GPU cells', () => {
  const spec = DeploymentSpec.parse({ task: 'detection', replicas: 1, cpu: 1, memoryMi: 512, modelPath: '/m.onnx', balancer: 'round-robin', gpu: { count: 1 } });
  const saved = process.env.CLOUDDETECT_K8S_GPU;
  process.env.CLOUDDETECT_K8S_GPU = 'nvidia.com/gpu=1';
  try {
    const kube = kubernetesBackend.configure({ flags: {}, config: StudyConfig.parse({}) });
    assert.match(kube.check(spec).join(';'), /both set GPU resources/);
  } finally {
    if (saved === undefined) delete process.env.CLOUDDETECT_K8S_GPU;
    else process.env.CLOUDDETECT_K8S_GPU = saved;
  }
  assert.equal(kubernetesBackend.gpu, true);
  assert.equal(localBackend.gpu, false, 'the plan skips GPU cells on the local backend, so its check is never asked');
});
