/**
 * The Kubernetes backend's rendered Deployment → the `podman run` arguments
 * of one of its pods. Pure. Every field of the pod template is either
 * carried over or named here as what the backend does instead, and a field
 * this file does not know is an error: a template change can never be
 * dropped silently on the way to the container.
 *
 * Carried over: image, container port (published on 127.0.0.1), env (the
 * downward-API pod name as the replica's name), CPU and memory limits (which
 * must equal the requests, as in the Guaranteed QoS class the study asks
 * for), user and group, read-only root, dropped capabilities, no privilege
 * escalation, the /tmp emptyDir as a size-limited tmpfs, labels.
 * Left out, as a kubelet leaves it: the image's HEALTHCHECK.
 * Done by the backend instead: the readiness probe (podman without systemd
 * cannot schedule probes; the supervisor polls the same path), the grace
 * period (SIGTERM, then SIGKILL), and preStop's sleep, whose purpose (no new
 * requests before SIGTERM) the balancer's drain serves. The startup and
 * liveness probes have no counterpart: a replica that dies is restarted.
 */
import { z } from 'zod';
import { memoryBytes } from '../../../lib/cgroup/parse.js';
import type { KubeObject } from '../kubernetes/validate.js';

/** Set on every container with the run's local tag, which purge matches against live runs. */
export const TAG_LABEL = 'clouddetect.io/local-tag';

const Quantity = z.union([z.string(), z.number()]);
const Env = z.union([
  z.strictObject({ name: z.string(), value: z.string() }),
  z.strictObject({ name: z.string(), valueFrom: z.strictObject({ fieldRef: z.strictObject({ fieldPath: z.literal('metadata.name') }) }) }),
]);
const HttpProbe = z.strictObject({
  httpGet: z.strictObject({ path: z.string().startsWith('/'), port: z.union([z.string(), z.number()]) }),
  periodSeconds: z.number().int().positive(),
  failureThreshold: z.number().int().positive().optional(),
  timeoutSeconds: z.number().int().positive().optional(),
});
const Container = z.strictObject({
  name: z.string(),
  image: z.string().min(1),
  imagePullPolicy: z.string().optional(),
  ports: z.array(z.strictObject({ name: z.string(), containerPort: z.number().int().positive() })).length(1),
  env: z.array(Env),
  resources: z.strictObject({ requests: z.record(z.string(), Quantity), limits: z.record(z.string(), Quantity) }),
  startupProbe: HttpProbe.optional(),
  readinessProbe: HttpProbe,
  livenessProbe: HttpProbe.optional(),
  lifecycle: z.strictObject({ preStop: z.strictObject({ exec: z.strictObject({ command: z.array(z.string()) }) }) }).optional(),
  securityContext: z.strictObject({
    allowPrivilegeEscalation: z.boolean(),
    readOnlyRootFilesystem: z.boolean(),
    capabilities: z.strictObject({ drop: z.array(z.string()) }),
  }),
  volumeMounts: z.array(z.strictObject({ name: z.string(), mountPath: z.string().startsWith('/') })),
});
const PodTemplate = z.strictObject({
  metadata: z.strictObject({ labels: z.record(z.string(), z.string()) }),
  spec: z.strictObject({
    terminationGracePeriodSeconds: z.number().int().nonnegative(),
    automountServiceAccountToken: z.literal(false),
    securityContext: z.strictObject({
      runAsNonRoot: z.literal(true),
      runAsUser: z.number().int().positive(),
      runAsGroup: z.number().int().positive(),
      seccompProfile: z.strictObject({ type: z.literal('RuntimeDefault') }),
    }),
    containers: z.array(Container).length(1),
    volumes: z.array(z.strictObject({ name: z.string(), emptyDir: z.strictObject({ sizeLimit: z.string() }) })),
  }),
});

export interface PodRunInput {
  /** the rendered Deployment (renderManifests) */
  deployment: KubeObject;
  /** the pod's name: the container's name and the downward-API value */
  podName: string;
  /** the run's local tag (TAG_LABEL) */
  tag: string;
  /** where the container port is published on 127.0.0.1 */
  hostPort: number;
  /** host files bound read-only into the container (the models, at the paths the env names) */
  mounts: readonly { hostPath: string; containerPath: string }[];
}

export interface PodRun {
  /** arguments after `podman run` (before the engine's quirk flags are added), ending with the image */
  args: string[];
  readinessPath: string;
  terminationGraceMs: number;
}

/** "500m" → 0.5, "2" → 2 */
export function cpuCores(q: string | number): number {
  const text = String(q);
  const cores = text.endsWith('m') ? Number(text.slice(0, -1)) / 1000 : Number(text);
  if (!Number.isFinite(cores) || cores <= 0) throw new Error(`cpu quantity "${text}" is not a positive number of cores`);
  return cores;
}

/** "512Mi" → bytes; the template writes memory in Mi. */
export function memoryQuantityBytes(q: string | number): number {
  const m = /^(\d+)Mi$/.exec(String(q));
  if (!m) throw new Error(`memory quantity "${q}" is not in Mi`);
  return memoryBytes(Number(m[1]));
}

export function podRunArgs(input: PodRunInput): PodRun {
  if (input.deployment.kind !== 'Deployment') throw new Error(`expected a Deployment, got ${input.deployment.kind}`);
  const parsed = PodTemplate.safeParse((input.deployment as { spec?: { template?: unknown } }).spec?.template);
  if (!parsed.success) {
    throw new Error(`pod template has fields the podman backend does not carry over: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const pod = parsed.data;
  const c = pod.spec.containers[0]!;
  const { requests, limits } = c.resources;
  const extra = Object.keys(limits).filter((k) => k !== 'cpu' && k !== 'memory');
  if (extra.length > 0) throw new Error(`podman backend: no counterpart for resource limits ${extra.join(', ')}`);
  if (limits.cpu === undefined || limits.memory === undefined) throw new Error('pod template: cpu and memory limits are required');
  if (String(requests.cpu) !== String(limits.cpu) || String(requests.memory) !== String(limits.memory)) {
    throw new Error('pod template: requests must equal limits (Guaranteed QoS), as every study cell asks');
  }
  const memory = String(memoryQuantityBytes(limits.memory));
  const volumes = new Map(pod.spec.volumes.map((v) => [v.name, v.emptyDir.sizeLimit]));
  const tmpfs = c.volumeMounts.map((m) => {
    const size = volumes.get(m.name);
    if (size === undefined) throw new Error(`volumeMount ${m.name} has no emptyDir volume`);
    return ['--tmpfs', `${m.mountPath}:rw,size=${memoryQuantityBytes(size)},mode=1777`];
  });
  const { securityContext: pc } = pod.spec;
  const sc = c.securityContext;
  const env = c.env.map((e) => ['--env', `${e.name}=${'value' in e ? e.value : input.podName}`]);
  const labels = Object.entries({ ...pod.metadata.labels, [TAG_LABEL]: input.tag }).map(([k, v]) => ['--label', `${k}=${v}`]);
  const args = [
    '--name', input.podName,
    // a restart reuses the name; the exited container it replaces is gone with it
    '--replace',
    '--pull', 'never',
    // a kubelet ignores the image's HEALTHCHECK too: the pod's probes are what count
    '--no-healthcheck',
    ...labels.flat(),
    '--cpus', String(cpuCores(limits.cpu)),
    '--memory', memory,
    // no swap, as on a node: the limit ends in an OOM kill, not in paging
    '--memory-swap', memory,
    '--user', `${pc.runAsUser}:${pc.runAsGroup}`,
    ...(sc.readOnlyRootFilesystem ? ['--read-only'] : []),
    ...(sc.allowPrivilegeEscalation ? [] : ['--security-opt', 'no-new-privileges']),
    ...sc.capabilities.drop.flatMap((cap) => ['--cap-drop', cap]),
    ...tmpfs.flat(),
    ...input.mounts.flatMap((m) => ['--volume', `${m.hostPath}:${m.containerPath}:ro`]),
    '--publish', `127.0.0.1:${input.hostPort}:${c.ports[0]!.containerPort}`,
    ...env.flat(),
    c.image,
  ];
  return { args, readinessPath: c.readinessProbe.httpGet.path, terminationGraceMs: pod.spec.terminationGracePeriodSeconds * 1000 };
}
