/**
 * The podman backend's reading of the Kubernetes backend's rendered pod
 * template: what is carried over into `podman run`, and that a field it does
 * not know, or a pod a container cannot be, is refused rather than dropped.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DeploymentSpec } from '../../experiments/contracts/deployment.js';
import { renderManifests, specManifestOptions } from '../../experiments/deploy/kubernetes/render.js';
import type { KubeObject } from '../../experiments/deploy/kubernetes/validate.js';
import { cpuCores, memoryQuantityBytes, podRunArgs, TAG_LABEL } from '../../experiments/deploy/podman/run-args.js';

const spec: DeploymentSpec = { replicas: 1, task: 'detection', cpu: 0.5, memoryMi: 512, modelPath: '/host/models/yolox_nano.onnx', balancer: { policy: 'round-robin' } };

function deployment(over: Partial<DeploymentSpec> = {}): KubeObject {
  const rendered = renderManifests({ ...specManifestOptions('run-1', { ...spec, ...over }), image: 'docker.io/library/clouddetect:runtime', imageModelDir: '/app/model' });
  return rendered.objects.find((o) => o.kind === 'Deployment')!;
}

const input = (d: KubeObject) => ({
  deployment: d,
  podName: 'abcd1234-replica-0',
  tag: 'abcd1234',
  hostPort: 41234,
  mounts: [{ hostPath: '/host/models/yolox_nano.onnx', containerPath: '/app/model/yolox_nano.onnx' }],
});

/** The values of every `flag value` pair. */
const values = (args: string[], flag: string) => args.flatMap((a, i) => (a === flag ? [args[i + 1]!] : []));

test('the pod template becomes podman run flags: limits, user, hardening, tmpfs, port, env, labels, image last', () => {
  const run = podRunArgs(input(deployment()));
  const { args } = run;
  assert.deepEqual(values(args, '--name'), ['abcd1234-replica-0']);
  assert.deepEqual(values(args, '--cpus'), ['0.5']);
  assert.deepEqual(values(args, '--memory'), [String(512 * 1024 * 1024)]);
  assert.deepEqual(values(args, '--memory-swap'), [String(512 * 1024 * 1024)], 'no swap beyond the limit');
  assert.deepEqual(values(args, '--user'), ['1000:1000']);
  assert.ok(args.includes('--read-only'));
  assert.ok(args.includes('--no-healthcheck'), 'the pod probes count, not the image HEALTHCHECK');
  assert.deepEqual(values(args, '--cap-drop'), ['ALL']);
  assert.deepEqual(values(args, '--security-opt'), ['no-new-privileges']);
  assert.deepEqual(values(args, '--tmpfs'), [`/tmp:rw,size=${64 * 1024 * 1024},mode=1777`]);
  assert.deepEqual(values(args, '--publish'), ['127.0.0.1:41234:8080']);
  assert.deepEqual(values(args, '--volume'), ['/host/models/yolox_nano.onnx:/app/model/yolox_nano.onnx:ro']);
  const env = values(args, '--env');
  assert.ok(env.includes('PORT=8080'), env.join(' '));
  assert.ok(env.includes('MODEL_PATH=/app/model/yolox_nano.onnx'), 'the model at its image path, where the mount puts it');
  assert.ok(env.includes('POD_NAME=abcd1234-replica-0'), 'the downward-API pod name');
  assert.ok(env.includes('MALLOC_ARENA_MAX=2'));
  const labels = values(args, '--label');
  assert.ok(labels.includes(`${TAG_LABEL}=abcd1234`));
  assert.ok(labels.includes('clouddetect.io/run-id=run-1'));
  assert.ok(labels.includes('app.kubernetes.io/component=detector'));
  assert.equal(args.at(-1), 'docker.io/library/clouddetect:runtime');
  assert.equal(run.readinessPath, '/readyz');
  assert.equal(run.terminationGraceMs, 35_000);
});

test('a field of the pod template the backend does not know is an error naming it', () => {
  const d = structuredClone(deployment()) as KubeObject & { spec: { template: { spec: { containers: Record<string, unknown>[] } } } };
  d.spec.template.spec.containers[0]!.args = ['--inspect'];
  assert.throws(() => podRunArgs(input(d)), /containers\.0.*args|args/);
  const host = structuredClone(deployment()) as KubeObject & { spec: { template: { spec: Record<string, unknown> } } };
  host.spec.template.spec.hostNetwork = true;
  assert.throws(() => podRunArgs(input(host)), /hostNetwork/);
});

test('requests that differ from limits, and GPU limits, are refused', () => {
  const d = structuredClone(deployment()) as KubeObject & { spec: { template: { spec: { containers: { resources: { requests: Record<string, string> } }[] } } } };
  d.spec.template.spec.containers[0]!.resources.requests.cpu = '250m';
  assert.throws(() => podRunArgs(input(d)), /requests must equal limits/);
  assert.throws(() => podRunArgs(input(deployment({ gpu: { count: 1, coresPercent: 50 } }))), /nvidia\.com\/gpu/);
  assert.throws(() => podRunArgs({ ...input(deployment()), deployment: { apiVersion: 'v1', kind: 'Service', metadata: { name: 'x' } } }), /expected a Deployment/);
});

test('quantities: millicores and Mi', () => {
  assert.equal(cpuCores('500m'), 0.5);
  assert.equal(cpuCores('2'), 2);
  assert.equal(cpuCores(1), 1);
  assert.throws(() => cpuCores('0'), /positive/);
  assert.throws(() => cpuCores('abc'), /positive/);
  assert.equal(memoryQuantityBytes('512Mi'), 512 * 1024 * 1024);
  assert.throws(() => memoryQuantityBytes('1Gi'), /not in Mi/);
});
