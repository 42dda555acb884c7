/**
 * run-all.mjs with --backend kubernetes, without a cluster: --dry-run prints
 * manifests for `kubectl apply -f -`, and purge reaches a fake API server.
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, afterEach, before, test } from 'node:test';
import * as yaml from 'js-yaml';
import { createKubernetesBackend } from '../../experiments/deploy/kubernetes/index.js';
import { REPLICA_RUNTIME_ENV } from '../../experiments/deploy/model-env.js';
import { startFakeKubeApi, type FakeKubeApi } from '../helpers/fake-kube-api.js';
import { makeImages, runAll, tempDir } from './helpers.js';

/** the run without any CLOUDDETECT_* or KUBECONFIG from the developer's shell, plus `env` */
const k8sRun = (args: string[], env: Record<string, string> = {}) =>
  runAll(args, { env: (parent) => ({ ...Object.fromEntries(Object.entries(parent).filter(([k]) => !k.startsWith('CLOUDDETECT_') && k !== 'KUBECONFIG')), ...env }), timeoutMs: 60_000 });

type Obj = { kind: string; metadata: { name: string; namespace: string }; spec: Record<string, any> };
const parseAll = (text: string) => yaml.loadAll(text) as Obj[];
const containerEnv = (objs: Obj[]) => {
  const env = objs.find((o) => o.kind === 'Deployment')!.spec.template.spec.containers[0].env as { name: string; value?: string }[];
  return Object.fromEntries(env.filter((e) => e.value !== undefined).map((e) => [e.name, e.value]));
};

let tmp: Awaited<ReturnType<typeof tempDir>>;
let config: string;

before(async () => {
  tmp = await tempDir('cd-cli-k8s-');
  const images = join(tmp.dir, 'images');
  await mkdir(images);
  await makeImages(images, 2);
  // the dry run checks the model files exist on this machine; their content does not matter here
  for (const f of ['det.onnx', 'kp.onnx', 'person.onnx']) await writeFile(join(tmp.dir, f), 'x');
  config = join(tmp.dir, 'study.json');
  await writeFile(
    config,
    JSON.stringify({
      replicas: [2, 4],
      images,
      model: join(tmp.dir, 'det.onnx'),
      pose: { model: join(tmp.dir, 'kp.onnx'), detector: join(tmp.dir, 'person.onnx') },
      replica: { cpu: 0.5, memoryMi: 512 },
    }),
  );
});
after(async () => tmp.cleanup());

test('--dry-run --backend kubernetes: manifests alone on stdout, the plan on stderr', async () => {
  const run = await k8sRun(['--config', config, '--backend', 'kubernetes', '--dry-run', '--results-dir', join(tmp.dir, 'results')]);
  assert.equal(run.code, 0, run.stderr);
  const objs = parseAll(run.stdout);
  assert.deepEqual(objs.map((o) => o.kind), ['Deployment', 'Service']);
  const deployment = objs[0]!;
  assert.equal(deployment.spec.replicas, 2, 'the first cell\'s replicas');
  assert.equal(deployment.metadata.namespace, 'default');
  assert.deepEqual(deployment.spec.template.spec.containers[0].resources.limits, { cpu: '500m', memory: '512Mi' });
  assert.deepEqual(containerEnv(objs), { ...REPLICA_RUNTIME_ENV, PORT: '8080', MODEL_PATH: '/app/model/det.onnx' });
  assert.match(run.stderr, /backend kubernetes .*task detection/);
  assert.match(run.stderr, /nothing started/);
  assert.doesNotMatch(run.stdout, /nothing started|replica × /);
});

test('--dry-run --task pose: the replicas run TASK=pose with both pose models', async () => {
  const run = await k8sRun(['--config', config, '--backend', 'kubernetes', '--dry-run', '--task', 'pose']);
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(containerEnv(parseAll(run.stdout)), {
    ...REPLICA_RUNTIME_ENV,
    PORT: '8080', TASK: 'pose', POSE_MODEL_PATH: '/app/model/kp.onnx', POSE_DETECTOR_PATH: '/app/model/person.onnx',
  });
  assert.match(run.stderr, /task pose/);
});

test('kubernetes flags win over CLOUDDETECT_K8S_*, which still apply when no flag is given', async () => {
  const env = { CLOUDDETECT_K8S_NAMESPACE: 'from-env', CLOUDDETECT_K8S_IMAGE: 'env/image:1' };
  const envOnly = parseAll((await k8sRun(['--config', config, '--backend', 'kubernetes', '--dry-run'], env)).stdout);
  assert.equal(envOnly[0]!.metadata.namespace, 'from-env');
  assert.equal(envOnly[0]!.spec.template.spec.containers[0].image, 'env/image:1');
  const flags = await k8sRun(['--config', config, '--backend', 'kubernetes', '--dry-run', '--namespace', 'from-flag', '--image', 'reg/clouddetect:2'], env);
  assert.equal(flags.code, 0, flags.stderr);
  const objs = parseAll(flags.stdout);
  assert.deepEqual(objs.map((o) => o.metadata.namespace), ['from-flag', 'from-flag']);
  assert.equal(objs[0]!.spec.template.spec.containers[0].image, 'reg/clouddetect:2');
});

test('--dry-run of the binding study: kube-proxy\'s Deployment and Service, the late policies\' Knative Service, and what a run would refuse', async () => {
  const binding = join(tmp.dir, 'binding.json');
  await writeFile(binding, JSON.stringify({ study: 'binding', replicas: [2], images: join(tmp.dir, 'images'), model: join(tmp.dir, 'det.onnx'), binding: { policies: ['round-robin', 'least-connections', 'late-binding'], loads: [0.7] } }));
  const run = await k8sRun(['--config', binding, '--backend', 'kubernetes', '--dry-run']);
  assert.equal(run.code, 0, run.stderr);
  const objs = parseAll(run.stdout);
  assert.deepEqual(objs.map((o) => o.kind), ['Deployment', 'Service', 'Service']);
  const ksvc = objs[2] as Obj & { apiVersion: string };
  assert.equal(ksvc.apiVersion, 'serving.knative.dev/v1');
  assert.equal(ksvc.spec.template.spec.containerConcurrency, 1);
  assert.match(run.stderr, /would not run: cell .*least-connections.*kube-proxy/);
  assert.match(run.stderr, /would not run: cell .*late-binding.*Knative/);
  // a real run refuses before starting anything
  const real = await k8sRun(['--config', binding, '--backend', 'kubernetes', '--results-dir', join(tmp.dir, 'results')]);
  assert.equal(real.code, 2, real.stderr);
  assert.match(real.stderr, /least-connections.*not available on kubernetes/);
});

let api: FakeKubeApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

async function leaveARunBehind(fake: FakeKubeApi): Promise<void> {
  const backend = await createKubernetesBackend(
    { runId: 'crashed-run', stateDir: join(tmp.dir, 'state'), log: () => undefined },
    { kubeconfig: fake.kubeconfig, pollMs: 10, rolloutTimeoutS: 10 },
  );
  await backend.deploy({ task: 'detection', replicas: 1, cpu: 0.5, memoryMi: 512, modelPath: '/m/det.onnx', balancer: { policy: 'round-robin' } });
  await backend.detach();
}

for (const args of [['purge', '--backend', 'kubernetes'], ['--backend', 'kubernetes', 'purge']]) {
  test(`\`run-all ${args.join(' ')}\` purges the cluster the kubeconfig names`, async () => {
    api = await startFakeKubeApi();
    await leaveARunBehind(api);
    assert.equal(api.cluster.list('Deployment').length, 1);
    const run = await k8sRun([...args, '--kubeconfig', api.kubeconfig]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /purge kubernetes: 2 items removed/);
    assert.equal(api.cluster.list('Deployment').length + api.cluster.list('Service').length, 0);
  });
}

test('the kubeconfig may also come from CLOUDDETECT_K8S_KUBECONFIG for purge', async () => {
  api = await startFakeKubeApi();
  await leaveARunBehind(api);
  const run = await k8sRun(['purge', '--backend', 'kubernetes'], { CLOUDDETECT_K8S_KUBECONFIG: api.kubeconfig });
  assert.equal(run.code, 0, run.stderr);
  assert.equal(api.cluster.list('Deployment').length, 0);
});
