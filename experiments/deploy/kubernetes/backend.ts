/**
 * The kubernetes backend: a Deployment and a NodePort Service per run,
 * applied server-side, scaled through the scale subresource, observed through
 * the API. Load runs from this machine (remote, through the NodePort) or as
 * a Job in the cluster (cluster).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DeployFailed, type Backend, type BackendContext, type LoadExecutor, type LocationEndpoint, type ReplicaLog } from '../backend.js';
import type { Location, ReplicaStats } from '../../contracts/domain.js';
import { isLatePolicy, sameReplicaShape, type DeploymentSpec } from '../../contracts/deployment.js';
import { WorkerClient, workerCommand } from '../../load/protocol/client.js';
import { apiStatus, ClusterApi, loadKubeConfig, type Deletable } from './api.js';
import { createClusterJobExecutor } from './cluster-job.js';
import { clusterAddress, remoteAddress, urlFor } from './endpoints.js';
import { deploymentName, detectorSelector, runSelector } from './names.js';
import { parseKubernetesOptions, withEnvOptions, type KubernetesOptions, type KubernetesOptionsInput } from './options.js';
import { pollUntil, WaitFailed } from './poll.js';
import { renderManifests, specManifestOptions } from './render.js';
import { waitForRollout } from './rollout.js';
import { parseCadvisor, replicaStats, type CadvisorSample } from './stats.js';

const KINDS: readonly Deletable[] = ['Job', 'Service', 'Deployment'];

/**
 * Why this backend cannot run `spec`: kube-proxy, not the study, decides how
 * a plain Service spreads requests (early binding, round-robin-like), and
 * late binding needs Knative's activator, which this backend does not
 * install or drive (--dry-run prints the Knative Service it would take).
 */
export function unsupported(spec: DeploymentSpec): string[] {
  const { policy } = spec.balancer;
  if (policy === 'round-robin') return [];
  if (isLatePolicy(policy)) {
    return [`balancer policy "${policy}" needs Knative Serving's activator, which the kubernetes backend does not drive: --dry-run prints its Knative Service (kubectl apply it on a cluster with Knative)`];
  }
  return [`balancer policy "${policy}" is not available on kubernetes: a Service is balanced by kube-proxy (use round-robin)`];
}

export async function createKubernetesBackend(ctx: BackendContext, options: KubernetesOptionsInput, env: NodeJS.ProcessEnv = process.env): Promise<Backend> {
  const kube = parseKubernetesOptions(withEnvOptions(options, env));
  const resolved = loadKubeConfig(kube);
  const api = new ClusterApi(resolved.kc, resolved.namespace);
  const name = deploymentName(ctx.runId);
  ctx.log('kubernetes.config', { context: resolved.context, namespace: resolved.namespace, server: resolved.server, deployment: name });
  return new KubernetesBackend(ctx, kube, api, name, resolved.server);
}

class KubernetesBackend implements Backend {
  readonly name = 'kubernetes';
  /** the kubelet enforces requests and limits through cgroups on every node */
  readonly limitsEnforced = true;
  private jobSequence = 0;
  private cadvisorProblem: string | undefined;
  private endpoints = new Map<Location, LocationEndpoint>();
  private remoteWorker: WorkerClient | null = null;
  private current: DeploymentSpec | null = null;

  constructor(
    private readonly options: BackendContext,
    private readonly kube: KubernetesOptions,
    private readonly api: ClusterApi,
    private readonly deployment: string,
    private readonly apiServer: string,
  ) {}

  async deploy(spec: DeploymentSpec, signal?: AbortSignal): Promise<void> {
    const problems = unsupported(spec);
    if (problems.length > 0) throw new Error(problems.join('; '));
    try {
      if (this.current && sameReplicaShape(this.current, spec)) await this.scale(spec.replicas, signal);
      else await this.apply(spec, signal);
    } catch (err) {
      if (!(err instanceof WaitFailed) || signal?.aborted) throw err;
      this.current = spec;
      throw await this.giveUp(err);
    }
    this.current = spec;
  }

  /** Pods that did not become ready: their counters and logs, then none of them (scaled to 0), so nothing crash-loops beside the next cell. */
  private async giveUp(err: WaitFailed): Promise<DeployFailed> {
    const stats = await this.replicaStats().catch(() => []);
    await this.saveLogsBeforeRemoval();
    await this.api.scaleDeployment(this.deployment, 0).catch((e: Error) => this.options.log('kubernetes.scale-down-failed', { error: e.message }));
    this.options.log('kubernetes.deploy-failed', { error: err.message, stats });
    return new DeployFailed(err.message, stats);
  }

  /** The whole manifest: first deployment, or a new pod template (resources, model), which the Deployment rolls out. */
  private async apply(spec: DeploymentSpec, signal?: AbortSignal): Promise<void> {
    const { objects, yaml } = renderManifests({ ...specManifestOptions(this.options.runId, spec), ...this.kube }, this.api.namespace);
    if (this.current) await this.saveLogsBeforeRemoval();
    // what was applied, for the report's appendix (the replica count changes later through the scale subresource)
    await mkdir(this.options.stateDir, { recursive: true });
    await writeFile(path.join(this.options.stateDir, 'deployment.yaml'), yaml);
    for (const obj of objects) await this.api.apply(obj);
    this.options.log('kubernetes.applied', { objects: objects.map((o) => `${o.kind}/${o.metadata.name}`), replicas: spec.replicas });
    await this.waitReady(spec.replicas, signal);
  }

  private async scale(replicas: number, signal?: AbortSignal): Promise<void> {
    const current = (await this.api.readDeployment(this.deployment)).spec?.replicas ?? 0;
    if (replicas < current) await this.saveLogsBeforeRemoval();
    await this.api.scaleDeployment(this.deployment, replicas);
    this.options.log('kubernetes.scaled', { deployment: this.deployment, replicas });
    await this.waitReady(replicas, signal);
  }

  private async waitReady(replicas: number, signal?: AbortSignal): Promise<void> {
    const started = Date.now();
    await waitForRollout(this.api, this.deployment, replicas, {
      timeoutMs: this.kube.rolloutTimeoutS * 1000,
      pollMs: this.kube.pollMs,
      podSelector: detectorSelector(this.options.runId),
      ...(signal ? { signal } : {}),
    });
    this.options.log('kubernetes.ready', { replicas, waitedMs: Date.now() - started });
  }

  async endpoint(location: Location): Promise<LocationEndpoint> {
    const cached = this.endpoints.get(location);
    if (cached) return cached;
    const service = await this.api.readService(this.deployment);
    const nodePort = service.spec?.ports?.[0]?.nodePort;
    if (!nodePort) throw new Error(`service ${this.deployment} has no NodePort yet`);
    const nodes = await this.api.listNodes();
    let endpoint: LocationEndpoint;
    if (location === 'remote') {
      const picked = this.kube.nodeAddress ? { address: this.kube.nodeAddress, source: '--node-address' } : remoteAddress(nodes, this.apiServer);
      endpoint = { location, url: urlFor(picked.address, nodePort), description: `NodePort ${nodePort} from this machine (${picked.source})`, bandwidthMbit: null };
    } else {
      const picked = clusterAddress(nodes, this.kube.pinClusterClientToControlPlane);
      const where = this.kube.pinClusterClientToControlPlane ? `Job on control-plane node ${picked.node}` : 'Job in the cluster';
      endpoint = { location, url: urlFor(picked.address, nodePort), description: `${where} → NodePort ${nodePort} on ${picked.node}`, bandwidthMbit: null };
    }
    this.endpoints.set(location, endpoint);
    this.options.log('kubernetes.endpoint', { ...endpoint });
    return endpoint;
  }

  async executor(location: Location): Promise<LoadExecutor> {
    const { url } = await this.endpoint(location);
    if (location === 'remote') {
      // one kept worker on this machine for every remote job, as the local backend does
      return {
        run: (job, signal) => {
          if (!this.remoteWorker?.alive) this.remoteWorker = new WorkerClient({ argv: workerCommand(), serve: true, onProgress: (p) => this.options.log('load-progress', p) });
          return this.remoteWorker.run({ ...job, url }, signal);
        },
      };
    }
    return createClusterJobExecutor({
      api: this.api,
      kube: this.kube,
      runId: this.options.runId,
      url,
      log: this.options.log,
      nextSequence: () => ++this.jobSequence,
    });
  }

  async replicaStats(): Promise<ReplicaStats[]> {
    const pods = await this.api.listPods(detectorSelector(this.options.runId));
    return replicaStats(pods, await this.cadvisor(pods.map((p) => p.spec?.nodeName ?? '')));
  }

  /** CPU, throttling and memory counters of our pods on these nodes; empty when the API does not allow reading them. */
  private async cadvisor(nodeNames: string[]): Promise<Map<string, CadvisorSample>> {
    const samples = new Map<string, CadvisorSample>();
    if (this.cadvisorProblem) return samples;
    for (const node of new Set(nodeNames.filter(Boolean))) {
      try {
        for (const [pod, s] of parseCadvisor(await this.api.nodeCadvisor(node), this.api.namespace)) samples.set(pod, s);
      } catch (err) {
        const status = apiStatus(err);
        const reason = (err as Error).message;
        // no permission or no such endpoint will not change during the run; anything else may be passing
        if (status === 401 || status === 403 || status === 404) this.cadvisorProblem = reason;
        this.options.log('kubernetes.cadvisor-unavailable', { reason, effect: 'cpuSeconds, cpuThrottledSeconds and memoryPeakBytes are not reported' });
        return new Map();
      }
    }
    return samples;
  }

  /** The pods run on the cluster's nodes, whose CPU this process does not read. */
  async hostCpu(): Promise<null> {
    return null;
  }

  /** Each pod's whole log is saved under stateDir/pods (the load-balancing evidence); the last lines are returned. */
  async logs(): Promise<ReplicaLog[]> {
    const pods = await this.api.listPods(detectorSelector(this.options.runId));
    const dir = path.join(this.options.stateDir, 'pods');
    await mkdir(dir, { recursive: true });
    // terminating pods had their logs saved before they were told to go
    const names = pods.filter((p) => p.status?.phase !== 'Pending' && !p.metadata?.deletionTimestamp).map((p) => p.metadata?.name ?? '').sort();
    return Promise.all(
      names.map(async (replica) => {
        const text = await this.api.podLog(replica).catch((err: Error) => `log unavailable: ${err.message}\n`);
        await writeFile(path.join(dir, `${replica}.log`), text);
        return { replica, lines: text.split('\n').filter((l) => l.length > 0).slice(-this.kube.logTailLines) };
      }),
    );
  }

  /** Logs of pods about to go, saved while they still exist; failing to save them must not stop the run. */
  private async saveLogsBeforeRemoval(): Promise<void> {
    await this.logs().catch((err: Error) => this.options.log('kubernetes.logs-unsaved', { error: err.message }));
  }

  /** Cluster objects outlive this process anyway: keeping them only needs their logs saved now and a note of how to find them. */
  async detach(): Promise<void> {
    await this.saveLogsBeforeRemoval();
    this.options.log('kubernetes.kept', { namespace: this.api.namespace, selector: runSelector(this.options.runId) });
  }

  async down(): Promise<void> {
    this.remoteWorker?.close();
    if (this.kube.keep) return this.detach();
    await this.saveLogsBeforeRemoval();
    const removed = await deleteLabelled(this.api, runSelector(this.options.runId));
    this.options.log('kubernetes.deleted', { objects: removed });
    await this.waitPodsGone();
  }

  /** Pods outlive their Deployment by the preStop sleep and the drain; a run is clean only when they are gone. */
  private async waitPodsGone(): Promise<void> {
    const selector = runSelector(this.options.runId);
    const gone = await pollUntil(async () => ((await this.api.listPods(selector)).length === 0 ? true : undefined), {
      timeoutMs: (this.kube.preStopSleepS + 60) * 1000,
      pollMs: this.kube.pollMs,
    });
    if (!gone) this.options.log('kubernetes.pods-still-terminating', { pods: (await this.api.listPods(selector)).map((p) => p.metadata?.name) });
  }
}

/** Deletes every Job, Service and Deployment matching the selector; returns "Kind/name" of each. */
export async function deleteLabelled(api: ClusterApi, selector: string): Promise<string[]> {
  const removed: string[] = [];
  for (const kind of KINDS) {
    for (const name of await api.listNames(kind, selector)) {
      await api.delete(kind, name);
      removed.push(`${kind}/${api.namespace}/${name}`);
    }
  }
  return removed;
}
