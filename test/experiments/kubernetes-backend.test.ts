import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as yaml from 'js-yaml';
import { createKubernetesBackend, purge, type KubernetesOptionsInput } from '../../experiments/deploy/kubernetes/index.js';
import type { DeploymentSpec } from '../../experiments/contracts/deployment.js';
import { ClusterApi, loadKubeConfig } from '../../experiments/deploy/kubernetes/api.js';
import type { Backend } from '../../experiments/deploy/backend.js';
import type { ClosedLoadJob, LoadJobResult } from '../../experiments/load/protocol/schema.js';
import { startFakeKubeApi, type FakeKubeApi, type RecordedRequest } from '../helpers/fake-kube-api.js';
import type { FakeKubeScenario } from '../helpers/fake-kube-cluster.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const open: { api: FakeKubeApi; backends: Backend[]; dir: string }[] = [];

afterEach(async () => {
  for (const { api, backends, dir } of open.splice(0)) {
    for (const b of backends) await b.down().catch(() => undefined);
    await api.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

interface Harness {
  api: FakeKubeApi;
  stateDir: string;
  events: { event: string; fields?: Record<string, unknown> }[];
  backend(extra?: KubernetesOptionsInput & { runId?: string }): Promise<Backend>;
}

async function harness(scenario: FakeKubeScenario = {}): Promise<Harness> {
  const api = await startFakeKubeApi(scenario);
  const entry = { api, backends: [] as Backend[], dir: mkdtempSync(path.join(tmpdir(), 'k8s-backend-')) };
  open.push(entry);
  const events: Harness['events'] = [];
  return {
    api,
    stateDir: entry.dir,
    events,
    async backend({ runId = 'test-run', ...extra } = {}) {
      const b = await createKubernetesBackend(
        { runId, stateDir: entry.dir, log: (event, fields) => events.push(fields ? { event, fields } : { event }) },
        { kubeconfig: api.kubeconfig, pollMs: 10, rolloutTimeoutS: 10, ...extra },
      );
      entry.backends.push(b);
      return b;
    },
  };
}

/** The replica shape every test deploys, `replicas` of them. */
const spec = (replicas: number): DeploymentSpec => ({ task: 'detection', replicas, cpu: 0.5, memoryMi: 512, modelPath: '/m/yolox_nano.onnx', balancer: { policy: 'round-robin' } });

const LIVE_KINDS = ['Deployment', 'Service', 'Job', 'Pod'];
function leftovers(api: FakeKubeApi): string[] {
  return [...api.cluster.objects.keys()].filter((k) => LIVE_KINDS.includes(k.split('/')[0]!));
}

/** The RBAC verb and resource a request needs, as the API server's authorizer sees it. */
function permission(r: RecordedRequest, existedBefore: boolean): string[] {
  const m = /^\/(?:api\/v1|apis\/(apps|batch)\/v1)(?:\/namespaces\/[^/]+)?\/([^/]+)(?:\/([^/]+))?(?:\/(.+))?$/.exec(r.path);
  if (!m) return [];
  const [, group = '', resource, name, sub] = m;
  const res = sub ? `${resource}/${sub.startsWith('proxy') ? 'proxy' : sub}` : resource;
  const verb = r.method === 'GET' ? (name ? 'get' : 'list') : r.method === 'DELETE' ? 'delete' : 'patch';
  const needs = [`${group}:${res}:${verb}`];
  if (r.method === 'PATCH' && !sub && !existedBefore) needs.push(`${group}:${res}:create`);
  return needs;
}

function rbacAllows(): Set<string> {
  const allowed = new Set<string>();
  for (const doc of yaml.loadAll(readFileSync(path.join(repoRoot, 'k8s/rbac.yaml'), 'utf8')) as any[]) {
    for (const rule of doc.rules ?? []) {
      for (const g of rule.apiGroups) for (const r of rule.resources) for (const v of rule.verbs) allowed.add(`${g}:${r}:${v}`);
    }
  }
  return allowed;
}

test('up, scale up and down, observe, then down: applied server-side, scaled through /scale, nothing left', async () => {
  const h = await harness();
  const b = await h.backend();
  await b.deploy(spec(2));
  await b.deploy(spec(4));
  assert.equal((await b.replicaStats()).filter((s) => s.ready).length, 4);
  await b.deploy(spec(1));
  const stats = await b.replicaStats();
  assert.equal(stats.length, 1);
  assert.deepEqual(Object.keys(stats[0]!).sort(), ['cpuSeconds', 'cpuThrottledSeconds', 'memoryPeakBytes', 'name', 'oomKilled', 'ready', 'restarts']);
  const logs = await b.logs();
  assert.equal(logs.length, 1);
  assert.match(logs[0]!.lines.join('\n'), new RegExp(logs[0]!.replica));
  const remote = await b.endpoint('remote');
  assert.match(remote.url, /^http:\/\/127\.0\.0\.1:3\d{4}$/);
  await b.down();
  await b.down();
  assert.deepEqual(leftovers(h.api), []);
  const saved = readdirSync(path.join(h.stateDir, 'pods'));
  assert.equal(saved.length, 4, 'the logs of the pods removed by scaling down are kept');
  for (const file of saved) assert.match(readFileSync(path.join(h.stateDir, 'pods', file), 'utf8'), new RegExp(file.replace(/\.log$/, '')));

  const applies = h.api.requests.filter((r) => r.method === 'PATCH' && !r.path.endsWith('/scale'));
  assert.deepEqual(applies.map((r) => [r.contentType, r.query.fieldManager, r.query.force]), Array(2).fill(['application/apply-patch+yaml', 'clouddetect-experiments', 'true']));
  assert.equal(h.api.requests.filter((r) => r.method === 'PATCH' && r.path.endsWith('/deployments/clouddetect-test-run/scale')).length, 2);
});

test('every API call the backend makes is allowed by k8s/rbac.yaml', async () => {
  const h = await harness({
    runJob: async () => JSON.stringify({ kind: 'closed', steps: [], loadGenCpu: 0.1, aborted: false }),
  });
  const b = await h.backend();
  await b.deploy(spec(1));
  await b.deploy(spec(2));
  await b.replicaStats();
  await b.logs();
  await b.endpoint('remote');
  await (await b.executor('cluster')).run(loadJob());
  await b.down();
  await purge(() => undefined, { kubeconfig: h.api.kubeconfig });
  const allowed = rbacAllows();
  const created = new Set<string>();
  for (const r of h.api.requests) {
    for (const need of permission(r, created.has(r.path))) assert.ok(allowed.has(need), `k8s/rbac.yaml does not allow ${need} (${r.method} ${r.path})`);
    if (r.method === 'PATCH') created.add(r.path);
  }
});

test('a pod that never becomes ready: the wait times out naming the pod and its probe failures, and down cleans up', async () => {
  const h = await harness({ neverReady: [2] });
  const b = await h.backend({ rolloutTimeoutS: 0.5 });
  await assert.rejects(b.deploy(spec(2)), (err: Error) => {
    assert.match(err.message, /^deployment clouddetect-test-run not ready after 0\.5 s \(1\/2 ready\): /);
    assert.match(err.message, /clouddetect-test-run-\w+-xxxx2: Running, not ready, Unhealthy: Readiness probe failed/);
    assert.doesNotMatch(err.message, /xxxx1/, 'ready pods are not blamed');
    return true;
  });
  await b.down();
  assert.deepEqual(leftovers(h.api), []);
});

test('an OOMKilled replica is counted in restarts and OOM kills once it is back', async () => {
  const h = await harness({ oomKilled: [1] });
  const b = await h.backend();
  await b.deploy(spec(2));
  const stats = await b.replicaStats();
  assert.deepEqual(stats.map((s) => [s.restarts, s.oomKilled]), [[1, 1], [0, 0]]);
});

test('transient API errors while waiting are retried; a refused apply fails with the API message', async () => {
  const h = await harness();
  h.api.fail({ method: 'GET', path: /\/deployments\/clouddetect-test-run$/, status: 500, times: 3, message: 'etcdserver: leader changed' });
  const b = await h.backend();
  await b.deploy(spec(1));
  const reads = h.api.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/deployments/clouddetect-test-run')).length;
  assert.ok(reads >= 4, `the three failed reads were retried (${reads} reads)`);

  const h2 = await harness();
  h2.api.fail({ method: 'PATCH', path: /\/deployments\//, status: 403, message: 'deployments.apps "clouddetect-test-run" is forbidden: User "bob" cannot patch' });
  const b2 = await h2.backend();
  await assert.rejects(b2.deploy(spec(1)), /^Error: apply Deployment\/clouddetect-test-run: HTTP 403: deployments\.apps "clouddetect-test-run" is forbidden: User "bob" cannot patch$/);
});

test('an API server that keeps failing ends the wait after a few polls', async () => {
  const h = await harness();
  h.api.fail({ method: 'GET', path: /\/deployments\/clouddetect-test-run$/, status: 503, message: 'apiserver is shutting down' });
  const b = await h.backend();
  await assert.rejects(b.deploy(spec(1)), /read deployment clouddetect-test-run: HTTP 503: apiserver is shutting down/);
});

test('a slow rollout is waited for; with too short a timeout the error says the controller lags', async () => {
  const h = await harness({ observeDelayTicks: 30 });
  const b = await h.backend();
  await b.deploy(spec(1));
  assert.equal((await b.replicaStats()).length, 1);
  const slow = await h.backend({ runId: 'slow-run', rolloutTimeoutS: 0.05 });
  await assert.rejects(slow.deploy(spec(1)), /not ready after 0\.05 s \(controller has not observed generation 1\)/);
});

test('an abort ends the wait at once', async () => {
  const h = await harness({ neverReady: [1] });
  const b = await h.backend();
  const ac = new AbortController();
  const up = b.deploy(spec(1), ac.signal);
  setTimeout(() => ac.abort(new Error('interrupted')), 50);
  await assert.rejects(up, /interrupted/);
});

test('without nodes/proxy permission the CPU counters are left out and the reason is logged once', async () => {
  const h = await harness({ cadvisorForbidden: true });
  const b = await h.backend();
  await b.deploy(spec(2));
  await b.replicaStats();
  const stats = await b.replicaStats();
  assert.deepEqual(stats.map((s) => Object.keys(s).sort()), Array(2).fill(['name', 'oomKilled', 'ready', 'restarts']));
  const logged = h.events.filter((e) => e.event === 'kubernetes.cadvisor-unavailable');
  assert.equal(logged.length, 1);
  assert.match(String(logged[0]!.fields?.reason), /HTTP 403: .*nodes\/proxy/);
});

test('--keep leaves the run in place; purge removes every project object, whichever run made it', async () => {
  const h = await harness();
  const kept = await h.backend({ keep: true });
  await kept.deploy(spec(1));
  const other = await h.backend({ runId: 'other-run' });
  await other.deploy(spec(1));
  await kept.down();
  await other.detach?.();
  assert.equal(h.api.cluster.list('Deployment').length, 2);
  assert.equal(h.events.filter((e) => e.event === 'kubernetes.kept').length, 2);
  assert.deepEqual(readdirSync(path.join(h.stateDir, 'pods')).map((f) => f.replace(/-\w+-\w+\.log$/, '')).sort(), ['clouddetect-other-run', 'clouddetect-test-run']);
  const removed = await purge(() => undefined, { kubeconfig: h.api.kubeconfig });
  assert.deepEqual(removed.sort(), [
    'Deployment/experiments/clouddetect-other-run', 'Deployment/experiments/clouddetect-test-run',
    'Service/experiments/clouddetect-other-run', 'Service/experiments/clouddetect-test-run',
  ]);
  assert.equal(h.api.cluster.list('Deployment').length + h.api.cluster.list('Service').length, 0);
});

test('kubeconfig context and namespace: an unknown context is named with the known ones', async () => {
  const h = await harness();
  await assert.rejects(h.backend({ context: 'prod' }), /kubeconfig has no context "prod" \(contexts: fake\)/);
  const b = await h.backend({ context: 'fake', namespace: 'team-a' });
  await b.deploy(spec(1));
  assert.equal(h.api.cluster.list('Deployment', 'team-a').length, 1);
});

function loadJob(): ClosedLoadJob {
  return { kind: 'closed', task: 'detection', url: 'http://ignored', imagesDir: '/ignored', levels: [1], holdS: 1, thinkS: [0, 0], timeoutMs: 1000, stopOnFailure: true, seed: 1 };
}

test('the cluster executor runs the LoadJob as a Job on the control plane and returns the result from its log', async () => {
  const seen: { env: Record<string, string>; command: string[] }[] = [];
  const result: LoadJobResult = { kind: 'closed', steps: [], loadGenCpu: 0.25, aborted: false };
  const h = await harness({
    runJob: async (env, command) => {
      seen.push({ env, command });
      return `{"type":"progress"}\n${JSON.stringify(result)}\n`;
    },
  });
  const b = await h.backend({ imageImagesDir: '/data/images' });
  await b.deploy(spec(1));
  const endpoint = await b.endpoint('cluster');
  assert.deepEqual(await (await b.executor('cluster')).run(loadJob()), result);
  const sent = JSON.parse(seen[0]!.env.LOAD_JOB!) as ClosedLoadJob;
  assert.equal(sent.url, endpoint.url, 'the job is pointed at the in-cluster endpoint');
  assert.equal(sent.imagesDir, '/data/images');
  assert.equal(seen[0]!.command[0], 'sh');
  assert.equal(h.api.cluster.list('Job').length, 0, 'the finished Job is deleted');
  assert.ok(h.events.some((e) => e.event === 'kubernetes.job.finished'));
});

test('a failing load Job is reported with the worker error', async () => {
  const h = await harness({ runJob: async () => { throw new Error('image folder /app/inputfolder: does not exist'); } });
  const b = await h.backend();
  await b.deploy(spec(1));
  await assert.rejects((await b.executor('cluster')).run(loadJob()), /^Error: load job clouddetect-load-test-run-1 failed: image folder \/app\/inputfolder: does not exist; /);
  assert.equal(h.api.cluster.list('Job').length, 0);
});

test('an aborted load Job is deleted and the abort reason returned', async () => {
  const h = await harness({ runJob: () => new Promise((resolve) => setTimeout(() => resolve('too late'), 1500)) });
  const b = await h.backend();
  await b.deploy(spec(1));
  const ac = new AbortController();
  const run = (await b.executor('cluster')).run(loadJob(), ac.signal);
  setTimeout(() => ac.abort(new Error('trial interrupted')), 100);
  await assert.rejects(run, /trial interrupted/);
  assert.equal(h.api.cluster.list('Job').length, 0);
});

test('an image that cannot be pulled ends the wait at once, for the Deployment and for a load Job', async () => {
  const h = await harness({ unpullableImage: 'clouddetect:missing' });
  const b = await h.backend({ image: 'clouddetect:missing', rolloutTimeoutS: 60 });
  await assert.rejects(b.deploy(spec(1)), /^DeployFailed: deployment clouddetect-test-run cannot become ready: clouddetect-test-run-\w+-xxxx1: (ErrImagePull|ImagePullBackOff) \(Back-off pulling image "clouddetect:missing"\)$/);
  await b.down();
  const ok = await h.backend({ runId: 'job-image' });
  await ok.deploy(spec(1));
  const job = await h.backend({ runId: 'job-image', clientImage: 'clouddetect:missing' });
  await assert.rejects((await job.executor('cluster')).run(loadJob()), /^Error: load job clouddetect-load-job-image-1 cannot start: .*Back-off pulling image/);
  assert.equal(h.api.cluster.list('Job').length, 0);
});

test('the fake API server refuses objects that fail the OpenAPI schema, as a real one does', async () => {
  const h = await harness();
  const resolved = loadKubeConfig({ kubeconfig: h.api.kubeconfig });
  const api = new ClusterApi(resolved.kc, resolved.namespace);
  const broken = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'broken' }, spec: { replicas: 'two', selector: {}, template: {} } };
  await assert.rejects(api.apply(broken), /^Error: apply Deployment\/broken: HTTP 422: Deployment\.apps\/v1 "broken" is invalid: .*replicas/);
  assert.equal(h.api.cluster.list('Deployment').length, 0);
});

test('an unreachable API server fails with the address in the message', async () => {
  const h = await harness();
  const b = await h.backend({ pollMs: 1 });
  await h.api.close();
  await assert.rejects(b.deploy(spec(1)), /^Error: apply Deployment\/clouddetect-test-run: .*ECONNREFUSED/);
});
