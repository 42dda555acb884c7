/**
 * A fake Kubernetes API server on 127.0.0.1 for the backend's tests: the REST
 * subset the backend uses (discovery, server-side apply, the scale
 * subresource, get/list of deployments, pods, services, jobs, events and
 * nodes, pod logs, the node proxy, delete), in front of FakeCluster. Applied
 * objects are checked against the Kubernetes OpenAPI schemas
 * (kubernetes-models) and rejected with 422 as a real server would.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { Service } from 'kubernetes-models/v1/Service';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { FakeCluster, type FakeKubeScenario, type FakeObject } from './fake-kube-cluster.js';

export interface ScriptedFailure {
  method: string;
  path: RegExp;
  status: number;
  /** how many matching requests fail before the route works again @default Infinity */
  times?: number;
  message?: string;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  contentType: string;
}

export interface FakeKubeApi {
  url: string;
  /** a kubeconfig file whose only context ("fake") points here */
  kubeconfig: string;
  cluster: FakeCluster;
  requests: RecordedRequest[];
  fail(failure: ScriptedFailure): void;
  close(): Promise<void>;
}

const RESOURCES: Record<string, { kind: string; group: string; namespaced: boolean }> = {
  pods: { kind: 'Pod', group: 'v1', namespaced: true },
  services: { kind: 'Service', group: 'v1', namespaced: true },
  events: { kind: 'Event', group: 'v1', namespaced: true },
  nodes: { kind: 'Node', group: 'v1', namespaced: false },
  deployments: { kind: 'Deployment', group: 'apps/v1', namespaced: true },
  jobs: { kind: 'Job', group: 'batch/v1', namespaced: true },
};

const VALIDATORS: Record<string, new (data: any) => { validate(): void }> = { Deployment, Service, Job };

class HttpError extends Error {
  constructor(readonly code: number, message: string, readonly reason = 'BadRequest') {
    super(message);
  }
}

function discovery(groupVersion: string) {
  return {
    kind: 'APIResourceList',
    groupVersion,
    resources: Object.entries(RESOURCES)
      .filter(([, r]) => r.group === groupVersion)
      .map(([name, r]) => ({ name, kind: r.kind, namespaced: r.namespaced, verbs: ['get', 'list', 'patch', 'delete'] })),
  };
}

/** `a=b,c!=d,e` against labels. */
export function matchesSelector(selector: string | undefined, labels: Record<string, string>): boolean {
  if (!selector) return true;
  return selector.split(',').every((term) => {
    const ne = term.split('!=');
    if (ne.length === 2) return labels[ne[0]!] !== ne[1];
    const eq = term.split('=');
    return eq.length === 2 ? labels[eq[0]!] === eq[1] : term in labels;
  });
}

function matchesFields(selector: string | undefined, obj: any): boolean {
  if (!selector) return true;
  return selector.split(',').every((term) => {
    const [field, value] = term.split('=');
    const actual = field!.split('.').reduce((o: any, k) => o?.[k], obj);
    return String(actual) === value;
  });
}

async function readBody(req: http.IncomingMessage): Promise<any> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, 'request body is not JSON');
  }
}

function validate(obj: any): void {
  const Model = VALIDATORS[obj.kind];
  if (!Model) throw new HttpError(422, `kind ${obj.kind} is not served here`, 'Invalid');
  try {
    new Model(obj).validate();
  } catch (err) {
    throw new HttpError(422, `${obj.kind}.${obj.apiVersion} "${obj.metadata?.name}" is invalid: ${(err as Error).message}`, 'Invalid');
  }
}

export async function startFakeKubeApi(scenario: FakeKubeScenario = {}): Promise<FakeKubeApi> {
  const cluster = new FakeCluster(scenario);
  const requests: RecordedRequest[] = [];
  const failures: (ScriptedFailure & { left: number })[] = [];

  const route = async (req: http.IncomingMessage, url: URL): Promise<{ status?: number; body: unknown; text?: boolean }> => {
    const method = req.method ?? 'GET';
    const q = Object.fromEntries(url.searchParams);
    const p = decodeURIComponent(url.pathname);
    if (method === 'GET' && (p === '/api/v1' || p === '/apis/apps/v1' || p === '/apis/batch/v1')) return { body: discovery(p === '/api/v1' ? 'v1' : p.slice(6)) };
    if (method === 'GET' && p === '/api/v1/nodes') return { body: { kind: 'NodeList', items: cluster.nodes() } };
    const proxy = /^\/api\/v1\/nodes\/([^/]+)\/proxy\/metrics\/cadvisor$/.exec(p);
    if (method === 'GET' && proxy) {
      if (scenario.cadvisorForbidden) throw new HttpError(403, `nodes "${proxy[1]}" is forbidden: User "runner" cannot get resource "nodes/proxy"`, 'Forbidden');
      return { body: cadvisorText(cluster, proxy[1]!), text: true };
    }
    const m = /^\/(?:api\/v1|apis\/(?:apps|batch)\/v1)\/namespaces\/([^/]+)\/([^/]+)(?:\/([^/]+))?(?:\/([^/]+))?$/.exec(p);
    const resource = m && RESOURCES[m[2]!];
    if (!m || !resource) throw new HttpError(404, `the server could not find the requested resource (${method} ${p})`, 'NotFound');
    const [, ns, , name, sub] = m as unknown as [string, string, string, string | undefined, string | undefined];
    const kind = resource.kind;
    if (!name) {
      if (method !== 'GET') throw new HttpError(405, `${method} on a collection is not served here`, 'MethodNotAllowed');
      const source = kind === 'Event' ? cluster.events.filter((e) => e.metadata.namespace === ns) : cluster.list(kind, ns);
      const items = source.filter((o: any) => matchesSelector(q.labelSelector, o.metadata.labels ?? {}) && matchesFields(q.fieldSelector, o));
      return { body: { kind: `${kind}List`, apiVersion: resource.group, metadata: { resourceVersion: '1' }, items } };
    }
    const obj = cluster.get(kind, ns, name);
    const missing = () => new HttpError(404, `${m[2]} "${name}" not found`, 'NotFound');
    if (sub === 'log' && kind === 'Pod' && method === 'GET') {
      if (!obj) throw missing();
      if (obj.status.phase === 'Pending') throw new HttpError(400, `container "${obj.spec.containers[0].name}" in pod "${name}" is waiting to start: ContainerCreating`);
      const lines = (cluster.logs.get(name) ?? '').split('\n');
      const tail = q.tailLines ? lines.slice(-Number(q.tailLines) - 1) : lines;
      return { body: tail.join('\n'), text: true };
    }
    if (sub === 'scale' && kind === 'Deployment') {
      if (method !== 'PATCH') throw new HttpError(405, `${method} on scale is not served here`, 'MethodNotAllowed');
      if (req.headers['content-type'] !== 'application/merge-patch+json') throw new HttpError(415, `unsupported patch type ${req.headers['content-type']} for scale`, 'UnsupportedMediaType');
      const patch = await readBody(req);
      const replicas = patch?.spec?.replicas;
      if (!Number.isInteger(replicas) || replicas < 0) throw new HttpError(422, 'Scale.autoscaling "spec.replicas" must be a non-negative integer', 'Invalid');
      const d = cluster.scale(ns, name, replicas);
      if (!d) throw missing();
      return { body: { kind: 'Scale', apiVersion: 'autoscaling/v1', metadata: { name, namespace: ns }, spec: { replicas }, status: { replicas: d.status.replicas ?? 0 } } };
    }
    if (sub) throw new HttpError(404, `subresource ${sub} is not served here`, 'NotFound');
    if (method === 'GET') {
      if (!obj) throw missing();
      return { body: obj };
    }
    if (method === 'PATCH') {
      if (req.headers['content-type'] !== 'application/apply-patch+yaml') throw new HttpError(415, `only server-side apply is served here, got ${req.headers['content-type']}`, 'UnsupportedMediaType');
      if (!q.fieldManager) throw new HttpError(400, 'PATCH /apply requires a fieldManager');
      const body = await readBody(req);
      if (body?.metadata?.name !== name || body?.kind !== kind) throw new HttpError(400, 'the name or kind in the body does not match the URL');
      validate(body);
      return { body: cluster.apply(body, ns) };
    }
    if (method === 'DELETE') {
      if (!cluster.delete(kind, ns, name)) throw missing();
      return { body: { kind: 'Status', apiVersion: 'v1', status: 'Success', details: { name, kind: m[2] } } };
    }
    throw new HttpError(405, `${method} is not served here`, 'MethodNotAllowed');
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    requests.push({ method: req.method ?? 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams), contentType: String(req.headers['content-type'] ?? '') });
    const scripted = failures.find((f) => f.left > 0 && f.method === req.method && f.path.test(url.pathname));
    const handled = scripted
      ? (scripted.left--, Promise.reject(new HttpError(scripted.status, scripted.message ?? 'scripted failure', 'InternalError')))
      : route(req, url);
    handled.then(
      ({ status = 200, body, text }) => {
        res.writeHead(status, { 'content-type': text ? 'text/plain' : 'application/json' });
        res.end(text ? String(body) : JSON.stringify(body));
      },
      (err: unknown) => {
        const e = err instanceof HttpError ? err : new HttpError(500, (err as Error).message, 'InternalError');
        res.writeHead(e.code, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: e.message, reason: e.reason, code: e.code }));
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const dir = await mkdtemp(path.join(tmpdir(), 'fake-kube-'));
  const kubeconfig = path.join(dir, 'config');
  await writeFile(kubeconfig, kubeconfigYaml(url));

  return {
    url,
    kubeconfig,
    cluster,
    requests,
    fail: (f) => failures.push({ ...f, left: f.times ?? Infinity }),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await cluster.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function kubeconfigYaml(server: string): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `  - name: fake\n    cluster:\n      server: ${server}\n      insecure-skip-tls-verify: true`,
    'users:',
    '  - name: runner\n    user:\n      token: fake-token',
    'contexts:',
    '  - name: fake\n    context:\n      cluster: fake\n      user: runner\n      namespace: experiments',
    'current-context: fake',
    '',
  ].join('\n');
}

/** cAdvisor-style counters (fixed values) for every running container on the node. */
function cadvisorText(cluster: FakeCluster, node: string): string {
  const lines = ['# TYPE container_cpu_usage_seconds_total counter'];
  const pods = cluster.list('Pod').filter((p: FakeObject) => p.spec.nodeName === node && p.status.phase === 'Running');
  for (const p of pods) {
    const labels = `container="${p.spec.containers[0].name}",namespace="${p.metadata.namespace}",pod="${p.metadata.name}"`;
    lines.push(`container_cpu_usage_seconds_total{${labels}} 12.5 1700000000000`);
    lines.push(`container_cpu_cfs_throttled_seconds_total{${labels}} 3.25 1700000000000`);
    lines.push(`container_memory_max_usage_bytes{${labels}} 2.5e+08 1700000000000`);
    // the pod-level cgroup (no container label) must not be mistaken for the container
    lines.push(`container_cpu_usage_seconds_total{container="",namespace="${p.metadata.namespace}",pod="${p.metadata.name}"} 99 1700000000000`);
  }
  return lines.join('\n') + '\n';
}
