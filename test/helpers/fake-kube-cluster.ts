/**
 * The state and controllers behind the fake Kubernetes API: objects in
 * memory, and a ticking loop that does what the deployment, job and kubelet
 * controllers would do, with the transitions a test scripts (pods that never
 * become ready, OOM kills, a slow controller).
 */
import { isDeepStrictEqual } from 'node:util';

export interface FakeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    uid: string;
    labels: Record<string, string>;
    generation: number;
    resourceVersion: string;
    creationTimestamp: string;
    deletionTimestamp?: string;
    ownerReferences?: { kind: string; name: string }[];
  };
  spec: any;
  status: any;
}

export interface FakeKubeScenario {
  /** controller period, ms @default 5 */
  tickMs?: number;
  /** ticks from creation to Running @default 2 */
  startTicks?: number;
  /** ticks from Running to Ready @default 2 */
  readyTicks?: number;
  /** 1-based creation order of detector pods that never pass their readiness probe */
  neverReady?: number[];
  /** 1-based creation order of detector pods that are OOMKilled once, restart, then become ready */
  oomKilled?: number[];
  /** ticks before the deployment controller observes a new generation (a slow rollout) @default 0 */
  observeDelayTicks?: number;
  /** ticks a deleted pod stays Terminating @default 2 */
  terminateTicks?: number;
  /** NodePort the Service reports when the manifest sets none (point it at a real listener) */
  nodePort?: number;
  /** runs a load Job's container: gets its env, returns what the container prints (the pod log) */
  runJob?: (env: Record<string, string>, command: string[]) => Promise<string>;
  /** pods with this image never start: ErrImagePull, then ImagePullBackOff */
  unpullableImage?: string;
  /** the cAdvisor endpoint answers 403, as without nodes/proxy permission */
  cadvisorForbidden?: boolean;
  /** called with the names of the ready detector pods whenever they change (to drive a fake service) */
  onEndpoints?: (ready: string[]) => void;
}

const NODES = [
  { name: 'cp-1', controlPlane: true },
  { name: 'worker-1', controlPlane: false },
  { name: 'worker-2', controlPlane: false },
];

export class FakeCluster {
  readonly objects = new Map<string, FakeObject>();
  readonly events: any[] = [];
  readonly logs = new Map<string, string>();
  private tickCount = 0;
  private podCounter = 0;
  private version = 1;
  private timer: NodeJS.Timeout;
  private readonly ages = new Map<string, { born: number; ordinal: number; deletedAt?: number; observedAt?: number }>();
  private lastEndpoints = '';
  private readonly running = new Set<Promise<void>>();

  constructor(readonly scenario: FakeKubeScenario = {}) {
    this.timer = setInterval(() => this.tick(), scenario.tickMs ?? 5);
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await Promise.allSettled([...this.running]);
  }

  static key(kind: string, namespace: string | undefined, name: string): string {
    return `${kind}/${namespace ?? ''}/${name}`;
  }

  list(kind: string, namespace?: string): FakeObject[] {
    return [...this.objects.values()].filter((o) => o.kind === kind && (namespace === undefined || o.metadata.namespace === namespace));
  }

  get(kind: string, namespace: string | undefined, name: string): FakeObject | undefined {
    return this.objects.get(FakeCluster.key(kind, namespace, name));
  }

  nodes(): any[] {
    return NODES.map((n) => ({
      metadata: { name: n.name, labels: n.controlPlane ? { 'node-role.kubernetes.io/control-plane': '' } : {} },
      status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }, { type: 'Hostname', address: n.name }], conditions: [{ type: 'Ready', status: 'True' }] },
    }));
  }

  /** Server-side apply: create, or replace the fields the manager sets; a changed spec bumps the generation. */
  apply(obj: any, namespace: string): FakeObject {
    const existing = this.get(obj.kind, namespace, obj.metadata.name);
    if (existing) {
      const spec = this.defaultSpec(obj.kind, obj.spec, existing.spec);
      if (!isDeepStrictEqual(spec, existing.spec)) existing.metadata.generation += 1;
      existing.spec = spec;
      existing.metadata.labels = obj.metadata.labels ?? {};
      existing.metadata.resourceVersion = String(++this.version);
      return existing;
    }
    const created: FakeObject = {
      apiVersion: obj.apiVersion,
      kind: obj.kind,
      metadata: this.meta(obj.metadata.name, namespace, obj.metadata.labels ?? {}),
      spec: this.defaultSpec(obj.kind, obj.spec, undefined),
      status: {},
    };
    this.objects.set(FakeCluster.key(obj.kind, namespace, obj.metadata.name), created);
    return created;
  }

  scale(namespace: string, name: string, replicas: number): FakeObject | undefined {
    const d = this.get('Deployment', namespace, name);
    if (!d) return undefined;
    if (d.spec.replicas !== replicas) d.metadata.generation += 1;
    d.spec.replicas = replicas;
    return d;
  }

  /** Deletion as the garbage collector does it: owned pods go Terminating, then away. */
  delete(kind: string, namespace: string, name: string): boolean {
    const obj = this.get(kind, namespace, name);
    if (!obj) return false;
    if (kind === 'Pod') this.terminate(obj);
    else this.objects.delete(FakeCluster.key(kind, namespace, name));
    for (const pod of this.list('Pod', namespace)) {
      if (pod.metadata.ownerReferences?.some((r) => r.kind === kind && r.name === name)) this.terminate(pod);
    }
    return true;
  }

  private meta(name: string, namespace: string | undefined, labels: Record<string, string>): FakeObject['metadata'] {
    return {
      name,
      namespace,
      uid: `uid-${++this.version}`,
      labels: { ...labels },
      generation: 1,
      resourceVersion: String(this.version),
      creationTimestamp: new Date(Date.now() + this.version).toISOString(),
    };
  }

  private defaultSpec(kind: string, spec: any, previous: any): any {
    if (kind !== 'Service') return structuredClone(spec);
    const ports = spec.ports.map((p: any, i: number) => ({
      ...p,
      nodePort: p.nodePort ?? previous?.ports?.[i]?.nodePort ?? this.scenario.nodePort ?? 30000 + i,
    }));
    return { ...structuredClone(spec), ports };
  }

  private terminate(pod: FakeObject): void {
    if (pod.metadata.deletionTimestamp) return;
    pod.metadata.deletionTimestamp = new Date().toISOString();
    const age = this.ages.get(pod.metadata.name);
    if (age) age.deletedAt = this.tickCount;
  }

  private event(pod: FakeObject, type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.events.push({
      metadata: { name: `${pod.metadata.name}.${this.events.length}`, namespace: pod.metadata.namespace },
      involvedObject: { kind: 'Pod', name: pod.metadata.name, namespace: pod.metadata.namespace },
      type,
      reason,
      message,
    });
  }

  private createPod(owner: FakeObject, template: any, ordinal: number): FakeObject {
    const suffix = owner.kind === 'Deployment' ? `7d9f8c6b5-${ordinal.toString(36).padStart(5, 'x')}` : ordinal.toString(36).padStart(5, 'x');
    const name = `${owner.metadata.name}-${suffix}`;
    const pod: FakeObject = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { ...this.meta(name, owner.metadata.namespace, template.metadata.labels), ownerReferences: [{ kind: owner.kind, name: owner.metadata.name }] },
      spec: structuredClone(template.spec),
      status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False' }] },
    };
    this.objects.set(FakeCluster.key('Pod', owner.metadata.namespace, name), pod);
    this.ages.set(name, { born: this.tickCount, ordinal });
    return pod;
  }

  private tick(): void {
    this.tickCount += 1;
    for (const d of this.list('Deployment')) this.reconcileDeployment(d);
    for (const j of this.list('Job')) this.reconcileJob(j);
    for (const p of this.list('Pod')) this.kubelet(p);
    this.publishEndpoints();
  }

  private reconcileDeployment(d: FakeObject): void {
    const age = this.ages.get(`deploy:${d.metadata.name}:${d.metadata.generation}`) ?? { born: this.tickCount, ordinal: 0 };
    this.ages.set(`deploy:${d.metadata.name}:${d.metadata.generation}`, age);
    if (this.tickCount - age.born < (this.scenario.observeDelayTicks ?? 0)) return;
    const owned = this.list('Pod', d.metadata.namespace).filter((p) => p.metadata.ownerReferences?.[0]?.name === d.metadata.name && !p.metadata.deletionTimestamp);
    const want = d.spec.replicas ?? 1;
    for (let i = owned.length; i < want; i++) owned.push(this.createPod(d, d.spec.template, ++this.podCounter));
    while (owned.length > want) this.terminate(owned.pop()!);
    const ready = owned.filter(isReady).length;
    d.status = { observedGeneration: d.metadata.generation, replicas: owned.length, updatedReplicas: owned.length, readyReplicas: ready, availableReplicas: ready };
  }

  private reconcileJob(job: FakeObject): void {
    const pods = this.list('Pod', job.metadata.namespace).filter((p) => p.metadata.ownerReferences?.[0]?.name === job.metadata.name);
    if (!pods.length && !job.status.startTime) {
      job.status.startTime = new Date().toISOString();
      this.createPod(job, job.spec.template, ++this.podCounter);
    }
  }

  private kubelet(pod: FakeObject): void {
    const age = this.ages.get(pod.metadata.name)!;
    const ticks = this.tickCount - age.born;
    if (pod.metadata.deletionTimestamp) {
      if (this.tickCount - (age.deletedAt ?? 0) >= (this.scenario.terminateTicks ?? 2)) this.objects.delete(FakeCluster.key('Pod', pod.metadata.namespace, pod.metadata.name));
      return;
    }
    const isJob = pod.metadata.ownerReferences?.[0]?.kind === 'Job';
    const start = this.scenario.startTicks ?? 2;
    const ready = this.scenario.readyTicks ?? 2;
    if (pod.status.phase === 'Pending' && ticks >= 1 && !pod.spec.nodeName) {
      pod.spec.nodeName = pod.spec.nodeSelector?.['node-role.kubernetes.io/control-plane'] !== undefined ? 'cp-1' : `worker-${(age.ordinal % 2) + 1}`;
      pod.status.conditions = [{ type: 'PodScheduled', status: 'True' }];
      this.event(pod, 'Normal', 'Scheduled', `Successfully assigned ${pod.metadata.namespace}/${pod.metadata.name} to ${pod.spec.nodeName}`);
    }
    if (pod.status.phase === 'Pending' && ticks >= start && pod.spec.containers[0].image === this.scenario.unpullableImage) {
      const container = pod.spec.containers[0];
      const reason = pod.status.containerStatuses ? 'ImagePullBackOff' : 'ErrImagePull';
      const message = `Back-off pulling image "${container.image}"`;
      pod.status.containerStatuses = [{ name: container.name, image: container.image, ready: false, restartCount: 0, state: { waiting: { reason, message } } }];
      if (reason === 'ErrImagePull') this.event(pod, 'Warning', 'Failed', `Failed to pull image "${container.image}": not found`);
      return;
    }
    if (pod.status.phase === 'Pending' && ticks >= start) {
      const container = pod.spec.containers[0];
      pod.status.phase = 'Running';
      pod.status.containerStatuses = [{ name: container.name, image: container.image, ready: false, restartCount: 0, state: { running: { startedAt: new Date().toISOString() } } }];
      this.event(pod, 'Normal', 'Started', `Started container ${container.name}`);
      if (isJob) this.runJob(pod);
      return;
    }
    if (isJob || pod.status.phase !== 'Running') return;
    const cs = pod.status.containerStatuses[0];
    if (this.scenario.oomKilled?.includes(age.ordinal) && cs.restartCount === 0 && ticks >= start + 1) {
      cs.restartCount = 1;
      cs.lastState = { terminated: { reason: 'OOMKilled', exitCode: 137 } };
      this.event(pod, 'Warning', 'BackOff', 'Back-off restarting failed container detector');
      age.born = this.tickCount - start;
      return;
    }
    if (this.scenario.neverReady?.includes(age.ordinal)) {
      if (ticks % 4 === 0) this.event(pod, 'Warning', 'Unhealthy', 'Readiness probe failed: HTTP probe failed with statuscode: 503');
      return;
    }
    if (ticks >= start + ready && !isReady(pod)) {
      cs.ready = true;
      pod.status.conditions = [{ type: 'PodScheduled', status: 'True' }, { type: 'Ready', status: 'True' }];
      this.logs.set(pod.metadata.name, `{"msg":"listening","pod":"${pod.metadata.name}"}\n`);
    }
  }

  private runJob(pod: FakeObject): void {
    const container = pod.spec.containers[0];
    const env = Object.fromEntries((container.env ?? []).map((e: any) => [e.name, e.value]));
    const job = this.get('Job', pod.metadata.namespace, pod.metadata.ownerReferences![0]!.name);
    const finish = (phase: 'Succeeded' | 'Failed', log: string) => {
      this.logs.set(pod.metadata.name, log);
      pod.status.phase = phase;
      pod.status.containerStatuses[0].state = { terminated: { reason: phase === 'Succeeded' ? 'Completed' : 'Error', exitCode: phase === 'Succeeded' ? 0 : 1 } };
      if (!job) return;
      job.status = phase === 'Succeeded'
        ? { ...job.status, succeeded: 1, conditions: [{ type: 'Complete', status: 'True' }] }
        : { ...job.status, failed: 1, conditions: [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded' }] };
    };
    const run = (this.scenario.runJob ?? (async () => 'no job runner configured'))(env, [...(container.command ?? [])])
      .then((log) => finish('Succeeded', log))
      .catch((err: Error) => finish('Failed', `{"type":"error","message":${JSON.stringify(err.message)}}\n`));
    this.running.add(run);
    void run.finally(() => this.running.delete(run));
  }

  private publishEndpoints(): void {
    const ready = this.list('Pod')
      .filter((p) => isReady(p) && !p.metadata.deletionTimestamp && p.metadata.labels['app.kubernetes.io/component'] === 'detector')
      .map((p) => p.metadata.name)
      .sort();
    const key = ready.join(',');
    if (key === this.lastEndpoints) return;
    this.lastEndpoints = key;
    this.scenario.onEndpoints?.(ready);
  }
}

function isReady(p: FakeObject): boolean {
  return p.status.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True') ?? false;
}
