import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as yaml from 'js-yaml';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { Service } from 'kubernetes-models/v1/Service';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { Role } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role';
import { RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding';
import { ClusterRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole';
import { ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding';
import { dryRunManifests, renderFor, renderManifests, type ManifestOptions } from '../../experiments/deploy/kubernetes/index.js';
import { balancerSpec } from '../../experiments/contracts/deployment.js';
import { REPLICA_RUNTIME_ENV } from '../../experiments/deploy/model-env.js';
import { Container } from 'kubernetes-models/v1/Container';
import { PodSpec } from 'kubernetes-models/v1/PodSpec';
import { renderLoadJob, cpuQuantity } from '../../experiments/deploy/kubernetes/render.js';
import { parseKubernetesOptions } from '../../experiments/deploy/kubernetes/options.js';
import { validateManifests } from '../../experiments/deploy/kubernetes/validate.js';
import { detectorSelector, loadJobName } from '../../experiments/deploy/kubernetes/names.js';
import { K8S_DIR, PLAIN_DEFAULTS, plainYamlFiles } from '../../experiments/deploy/kubernetes/plain-yaml.js';
import { matchesSelector } from '../helpers/fake-kube-api.js';
import type { ClosedLoadJob } from '../../experiments/load/protocol/schema.js';
import { loadConfig } from '../../experiments/plan/config.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const MODELS: Record<string, new (data: any) => { validate(): void }> = {
  Deployment, Service, Job, ServiceAccount, Role, RoleBinding, ClusterRole, ClusterRoleBinding,
};

/** The full OpenAPI check a real API server would make. */
function openApiValidate(objects: readonly any[]): void {
  for (const o of objects) {
    const Model = MODELS[o.kind];
    assert.ok(Model, `no schema for kind ${o.kind}`);
    assert.doesNotThrow(() => new Model(o).validate(), `${o.kind}/${o.metadata?.name} fails the OpenAPI schema`);
  }
}

const base: ManifestOptions = {
  runId: 'Run 2026-11-23T17:00Z',
  cpu: 0.5,
  memoryMi: 512,
  modelPath: '/work/shared/model/yolox_nano.onnx',
  replicas: 4,
};

const job: ClosedLoadJob = {
  kind: 'closed', task: 'detection', url: 'http://10.0.0.1:30080', imagesDir: '/app/inputfolder', levels: [1, 2, 3], holdS: 5,
  thinkS: [0, 1], timeoutMs: 10_000, stopOnFailure: true, seed: 7,
};

test('the detector manifests pass the Kubernetes OpenAPI schemas and carry the assignment limits', () => {
  const { objects, yaml: text } = renderManifests(base);
  openApiValidate(objects);
  assert.deepEqual(yaml.loadAll(text), objects, 'the YAML text and the objects agree');
  const [deployment, service] = objects as any[];
  assert.equal(deployment.kind, 'Deployment');
  assert.equal(deployment.spec.replicas, 4);
  const c = deployment.spec.template.spec.containers[0];
  assert.deepEqual(c.resources, { requests: { cpu: '500m', memory: '512Mi' }, limits: { cpu: '500m', memory: '512Mi' } });
  assert.equal(c.readinessProbe.httpGet.path, '/readyz');
  assert.equal(c.livenessProbe.httpGet.path, '/healthz');
  assert.ok(c.env.some((e: any) => e.name === 'POD_NAME' && e.valueFrom.fieldRef.fieldPath === 'metadata.name'));
  assert.equal(c.env.find((e: any) => e.name === 'MODEL_PATH').value, '/app/model/yolox_nano.onnx');
  assert.equal(deployment.spec.template.spec.securityContext.runAsNonRoot, true);
  assert.deepEqual(c.lifecycle.preStop.exec.command, ['sleep', '5']);
  assert.equal(service.spec.type, 'NodePort');
  assert.equal(service.spec.ports[0].nodePort, undefined, 'the cluster picks the NodePort unless one is asked for');
});

test('the Service selects exactly the detector pods the backend watches', () => {
  const [deployment, service] = renderManifests(base).objects as any[];
  const podLabels = deployment.spec.template.metadata.labels;
  assert.ok(matchesSelector(detectorSelector(base.runId), podLabels));
  assert.ok(Object.entries(service.spec.selector).every(([k, v]) => podLabels[k] === v));
  const jobPod = (renderLoadJob({ runId: base.runId, sequence: 1, job, namespace: 'default', activeDeadlineS: 60 }, parseKubernetesOptions({})).objects[0] as any)
    .spec.template.metadata.labels;
  assert.ok(!Object.entries(service.spec.selector).every(([k, v]) => jobPod[k] === v), 'the load client pod is not a Service endpoint');
  assert.ok(!matchesSelector(detectorSelector(base.runId), jobPod));
});

test('GPU resources, a fixed NodePort and another namespace render and validate', () => {
  for (const gpu of [{ resource: 'nvidia.com/gpu', quantity: '1' }, { resource: 'aliyun.com/gpu-mem', quantity: '2' }]) {
    const { objects } = renderManifests({ ...base, gpu, nodePort: 31000 }, 'experiments');
    openApiValidate(objects);
    const [d, s] = objects as any[];
    assert.equal(d.spec.template.spec.containers[0].resources.limits[gpu.resource], gpu.quantity);
    assert.equal(s.spec.ports[0].nodePort, 31000);
    assert.equal(d.metadata.namespace, 'experiments');
  }
});

test('the load Job passes the schema, pins to the control plane on request and carries the LoadJob', () => {
  for (const pin of [true, false]) {
    const kube = parseKubernetesOptions({ pinClusterClientToControlPlane: pin, clientCommand: ['node', "it's.js"] });
    const rendered = renderLoadJob({ runId: base.runId, sequence: 3, job, namespace: 'default', activeDeadlineS: 90.2 }, kube);
    openApiValidate(rendered.objects);
    const spec = (rendered.objects[0] as any).spec;
    assert.equal(rendered.name, loadJobName(base.runId, 3));
    assert.equal(spec.backoffLimit, 0);
    assert.equal(spec.activeDeadlineSeconds, 91);
    assert.equal(spec.template.spec.nodeSelector?.['node-role.kubernetes.io/control-plane'], pin ? '' : undefined);
    const c = spec.template.spec.containers[0];
    assert.deepEqual(JSON.parse(c.env.find((e: any) => e.name === 'LOAD_JOB').value), job);
    assert.match(c.command[2], /"\$LOAD_JOB" \| node 'it'\\''s\.js'$/);
  }
});

test('the plain YAML in k8s/ is the templates rendered with the defaults', () => {
  for (const [file, text] of Object.entries(plainYamlFiles())) {
    assert.equal(readFileSync(path.join(K8S_DIR, file), 'utf8'), text, `k8s/${file} is stale: run npx tsx experiments/deploy/kubernetes/plain-yaml.ts`);
    openApiValidate([yaml.load(text)]);
  }
  const d = yaml.load(readFileSync(path.join(K8S_DIR, 'deployment.yaml'), 'utf8')) as any;
  assert.equal(d.spec.template.spec.containers[0].resources.limits.cpu, cpuQuantity(PLAIN_DEFAULTS.cpu));
});

test('k8s/rbac.yaml passes the schemas', () => {
  openApiValidate(yaml.loadAll(readFileSync(path.join(K8S_DIR, 'rbac.yaml'), 'utf8')));
});

test('bad options are refused before rendering, naming the option', () => {
  assert.throws(() => renderManifests({ ...base, imagePullPolicy: 'Sometimes' as never }), /imagePullPolicy/);
  assert.throws(() => renderManifests({ ...base, nodePort: 8080 }), /nodePort/);
  assert.throws(() => renderManifests({ ...base, gpu: { resource: 'nvidia.com/gpu', quantity: 'lots' } }), /gpu\.quantity: must be a Kubernetes quantity/);
  assert.throws(() => renderManifests({ ...base, namespace: 'Bad_NS' }), /namespace/);
  assert.throws(() => renderManifests({ ...base, replicas: -1 }), /replicas/);
});

test('the run-time check rejects what the API server would', () => {
  const [deployment] = renderManifests(base).objects as any[];
  const broken = structuredClone(deployment);
  broken.spec.template.spec.containers[0].resources.limits.memory = '512 MiB';
  assert.throws(() => validateManifests([broken]), /Deployment\/clouddetect-run-2026.*limits\.memory/);
  const mismatched = structuredClone(deployment);
  mismatched.spec.selector.matchLabels['app.kubernetes.io/instance'] = 'other';
  assert.throws(() => validateManifests([mismatched]), /matchLabels do not match/);
  assert.throws(() => validateManifests([{ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x' } }]), /not a kind this backend creates/);
});

const configsDir = path.join(repoRoot, 'experiments/configs');

test('every plan config in experiments/configs renders manifests that pass the schemas', async () => {
  const files = readdirSync(configsDir).filter((f) => f.endsWith('.json'));
  assert.ok(files.includes('assignment.json') && files.includes('model-check.json'), `configs found: ${files.join(', ')}`);
  for (const file of files) {
    const config = await loadConfig(path.join(configsDir, file));
    for (const replicas of config.replicas) {
      const { objects } = renderManifests({
        runId: `cfg-${file}`, replicas, cpu: config.replica.cpu,
        memoryMi: config.replica.memoryMi, modelPath: config.model,
      });
      openApiValidate(objects);
      assert.equal((objects[0] as any).spec.replicas, replicas);
    }
  }
});

test('the dry run takes the options from CLOUDDETECT_K8S_* and the namespace from the kubeconfig context, offline', (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'k8s-dry-'));
  const saved = { ...process.env };
  t.after(() => {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
    rmSync(dir, { recursive: true, force: true });
  });
  const kubeconfig = path.join(dir, 'config');
  // an address nothing listens on: the dry run must not try to reach it
  writeFileSync(kubeconfig, yaml.dump({
    apiVersion: 'v1', kind: 'Config', 'current-context': 'lab',
    clusters: [{ name: 'lab', cluster: { server: 'https://192.0.2.1:6443' } }],
    users: [{ name: 'u', user: { token: 't' } }],
    contexts: [{ name: 'lab', context: { cluster: 'lab', user: 'u', namespace: 'study' } }],
  }));
  Object.assign(process.env, { CLOUDDETECT_K8S_KUBECONFIG: kubeconfig, CLOUDDETECT_K8S_IMAGE: 'registry.example/clouddetect:1', CLOUDDETECT_K8S_NODE_PORT: '30999' });
  const objects = yaml.loadAll(dryRunManifests(base)) as any[];
  openApiValidate(objects);
  assert.deepEqual(objects.map((o) => o.metadata.namespace), ['study', 'study']);
  assert.equal(objects[0].spec.template.spec.containers[0].image, 'registry.example/clouddetect:1');
  assert.equal(objects[1].spec.ports[0].nodePort, 30999);
  process.env.CLOUDDETECT_K8S_KUBECONFIG = path.join(dir, 'missing');
  assert.deepEqual((yaml.loadAll(dryRunManifests(base)) as any[]).map((o) => o.metadata.namespace), ['default', 'default']);
});

test('late binding renders a Knative Service: the activator kept in the path, containerConcurrency, a fixed scale, the work route on', () => {
  const work = { unitMs: 0.012, maxUnits: 7500, queueLength: 1000, queueTimeoutMs: 30_000 };
  const { objects, yaml: text } = renderFor({ ...base, work, balancer: balancerSpec('first-available') });
  assert.deepEqual(yaml.loadAll(text), objects);
  assert.equal(objects.length, 1);
  const ksvc = objects[0] as any;
  assert.equal(ksvc.apiVersion, 'serving.knative.dev/v1');
  assert.equal(ksvc.kind, 'Service');
  const template = ksvc.spec.template;
  assert.equal(template.spec.containerConcurrency, 1);
  assert.equal(template.metadata.annotations['autoscaling.knative.dev/target-burst-capacity'], '-1');
  assert.equal(template.metadata.annotations['autoscaling.knative.dev/min-scale'], '4');
  assert.equal(template.metadata.annotations['autoscaling.knative.dev/max-scale'], '4');
  const [container] = template.spec.containers;
  const env = Object.fromEntries(container.env.map((e: { name: string; value: string }) => [e.name, e.value]));
  // no PORT: Knative sets it itself and refuses it in the spec
  assert.deepEqual(env, { ...REPLICA_RUNTIME_ENV, MODEL_PATH: '/app/model/yolox_nano.onnx', WORK_UNIT_MS: '0.012', WORK_MAX_UNITS: '7500', QUEUE_LENGTH: '1000', QUEUE_TIMEOUT_MS: '30000' });
  // kubernetes-models has no Knative schema: the container and the pod part are checked against the core ones
  assert.doesNotThrow(() => new Container(container).validate());
  const { containerConcurrency: _cc, timeoutSeconds: _t, ...podSpec } = template.spec;
  assert.doesNotThrow(() => new PodSpec(podSpec).validate());
  // a late-binding policy asks Knative for the same activator, with its own slots per pod
  const c3 = renderFor({ ...base, balancer: balancerSpec('late-binding', { replicaConcurrency: 3 }) }).objects[0] as any;
  assert.equal(c3.spec.template.spec.containerConcurrency, 3);
  // early binding stays a Deployment behind kube-proxy's Service
  assert.deepEqual(renderFor({ ...base, balancer: { policy: 'round-robin' } }).objects.map((o) => o.kind), ['Deployment', 'Service']);
});

test('the Knative Service is checked strictly: an unknown field or a missing activator annotation is refused', () => {
  const ksvc = renderFor({ ...base, balancer: balancerSpec('late-binding') }).objects[0] as any;
  const copy = () => JSON.parse(JSON.stringify(ksvc));
  const extra = copy();
  extra.spec.template.spec.containerConcurency = 1;
  assert.throws(() => validateManifests([extra]), /containerConcurency/);
  const noBurst = copy();
  delete noBurst.spec.template.metadata.annotations['autoscaling.knative.dev/target-burst-capacity'];
  assert.throws(() => validateManifests([noBurst]), /target-burst-capacity/);
  const drift = copy();
  drift.spec.template.metadata.annotations['autoscaling.knative.dev/max-scale'] = '8';
  assert.throws(() => validateManifests([drift]), /min-scale and max-scale differ/);
  const twoPorts = copy();
  twoPorts.spec.template.spec.containers[0].ports.push({ name: 'http1', containerPort: 9090 });
  assert.throws(() => validateManifests([twoPorts]), /ports/);
});
