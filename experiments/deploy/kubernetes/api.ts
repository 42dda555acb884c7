/**
 * The slice of the Kubernetes API the backend uses, over
 * @kubernetes/client-node, scoped to one namespace. Every call's failure is
 * turned into a one-line error naming the call and the API's own message.
 */
import * as k8s from '@kubernetes/client-node';
import type { KubeObject } from './validate.js';
import { CONTAINER_NAME, FIELD_MANAGER } from './names.js';

export interface KubeTarget {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
}

export interface ResolvedKubeConfig {
  kc: k8s.KubeConfig;
  namespace: string;
  context: string;
  /** API server URL of the context's cluster */
  server: string;
}

/** KUBECONFIG, ~/.kube/config or the in-cluster account (client-node's loadFromDefault), or an explicit file. */
export function loadKubeConfig(target: KubeTarget): ResolvedKubeConfig {
  const kc = new k8s.KubeConfig();
  if (target.kubeconfig) kc.loadFromFile(target.kubeconfig);
  else kc.loadFromDefault();
  if (target.context) {
    if (!kc.getContextObject(target.context)) {
      const known = kc.getContexts().map((c) => c.name).join(', ') || 'none';
      throw new Error(`kubeconfig has no context "${target.context}" (contexts: ${known})`);
    }
    kc.setCurrentContext(target.context);
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('no Kubernetes cluster configured: set KUBECONFIG, create ~/.kube/config or pass --kubeconfig');
  const context = kc.getCurrentContext();
  const namespace = target.namespace ?? kc.getContextObject(context)?.namespace ?? 'default';
  return { kc, namespace, context, server: cluster.server };
}

/** "HTTP 403: deployments.apps is forbidden: ..." rather than client-node's multi-line dump. */
export function describeApiError(err: unknown): string {
  if (err instanceof k8s.ApiException) {
    const body: unknown = typeof err.body === 'string' ? safeJson(err.body) : err.body;
    const message = body && typeof body === 'object' && 'message' in body ? String(body.message) : String(err.body).slice(0, 200);
    return `HTTP ${err.code}: ${message}`;
  }
  return err instanceof Error ? err.message : String(err);
}

/** HTTP status of a failed call, also through the wrapping that `call` adds. */
export function apiStatus(err: unknown): number | undefined {
  if (err instanceof k8s.ApiException) return err.code;
  return err instanceof Error && err.cause !== undefined ? apiStatus(err.cause) : undefined;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

async function call<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw new Error(`${what}: ${describeApiError(err)}`, { cause: err });
  }
}

export type Deletable = 'Deployment' | 'Service' | 'Job';

export class ClusterApi {
  private readonly core: k8s.CoreV1Api;
  private readonly apps: k8s.AppsV1Api;
  private readonly batch: k8s.BatchV1Api;
  private readonly objects: k8s.KubernetesObjectApi;

  constructor(
    kc: k8s.KubeConfig,
    readonly namespace: string,
  ) {
    this.core = kc.makeApiClient(k8s.CoreV1Api);
    this.apps = kc.makeApiClient(k8s.AppsV1Api);
    this.batch = kc.makeApiClient(k8s.BatchV1Api);
    this.objects = k8s.KubernetesObjectApi.makeApiClient(kc);
  }

  /** Server-side apply: the API server merges and owns the result, re-applying is a no-op. */
  async apply(obj: KubeObject): Promise<void> {
    await call(`apply ${obj.kind}/${obj.metadata.name}`, () =>
      this.objects.patch(obj, undefined, undefined, FIELD_MANAGER, true, k8s.PatchStrategy.ServerSideApply),
    );
  }

  readDeployment(name: string): Promise<k8s.V1Deployment> {
    return call(`read deployment ${name}`, () => this.apps.readNamespacedDeployment({ name, namespace: this.namespace }));
  }

  /** Through the scale subresource, as `kubectl scale` does: only spec.replicas changes. */
  async scaleDeployment(name: string, replicas: number): Promise<void> {
    await call(`scale deployment ${name} to ${replicas}`, () =>
      this.apps.patchNamespacedDeploymentScale(
        { name, namespace: this.namespace, body: { spec: { replicas } } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      ),
    );
  }

  readService(name: string): Promise<k8s.V1Service> {
    return call(`read service ${name}`, () => this.core.readNamespacedService({ name, namespace: this.namespace }));
  }

  async listPods(labelSelector: string): Promise<k8s.V1Pod[]> {
    const list = await call(`list pods ${labelSelector}`, () => this.core.listNamespacedPod({ namespace: this.namespace, labelSelector }));
    return list.items;
  }

  async podEvents(podName: string): Promise<k8s.CoreV1Event[]> {
    const fieldSelector = `involvedObject.kind=Pod,involvedObject.name=${podName}`;
    const list = await call(`list events of ${podName}`, () => this.core.listNamespacedEvent({ namespace: this.namespace, fieldSelector }));
    return list.items;
  }

  podLog(name: string, tailLines?: number, container = CONTAINER_NAME): Promise<string> {
    return call(`log of pod ${name}`, () => this.core.readNamespacedPodLog({ name, namespace: this.namespace, container, tailLines }));
  }

  async listNodes(): Promise<k8s.V1Node[]> {
    return (await call('list nodes', () => this.core.listNode())).items;
  }

  /** The kubelet's cAdvisor metrics (Prometheus text), through the API server's node proxy. */
  nodeCadvisor(node: string): Promise<string> {
    return call(`cAdvisor metrics of node ${node}`, () => this.core.connectGetNodeProxyWithPath({ name: node, path: 'metrics/cadvisor' }));
  }

  readJob(name: string): Promise<k8s.V1Job> {
    return call(`read job ${name}`, () => this.batch.readNamespacedJob({ name, namespace: this.namespace }));
  }

  /** Names ("Kind/name") of the objects of one kind that match the selector. */
  async listNames(kind: Deletable, labelSelector: string): Promise<string[]> {
    const namespace = this.namespace;
    const list = await call(`list ${kind} ${labelSelector}`, async () => {
      if (kind === 'Deployment') return (await this.apps.listNamespacedDeployment({ namespace, labelSelector })).items;
      if (kind === 'Service') return (await this.core.listNamespacedService({ namespace, labelSelector })).items;
      return (await this.batch.listNamespacedJob({ namespace, labelSelector })).items;
    });
    return list.map((o) => o.metadata?.name ?? '').filter(Boolean);
  }

  /** Deletes one object and, in the background, what it owns (pods); an object already gone is not an error. */
  async delete(kind: Deletable, name: string): Promise<void> {
    const req = { name, namespace: this.namespace, propagationPolicy: 'Background' };
    try {
      if (kind === 'Deployment') await this.apps.deleteNamespacedDeployment(req);
      else if (kind === 'Service') await this.core.deleteNamespacedService(req);
      else await this.batch.deleteNamespacedJob(req);
    } catch (err) {
      if (apiStatus(err) === 404) return;
      throw new Error(`delete ${kind}/${name}: ${describeApiError(err)}`, { cause: err });
    }
  }
}
