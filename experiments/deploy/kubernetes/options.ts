/**
 * Options of the kubernetes backend, validated once with zod. Everything the
 * cluster needs to know that the generic BackendOptions do not say: where the
 * cluster is, which image to run, how to reach the NodePort.
 */
import { z } from 'zod';

/** Kubernetes resource quantity ("1", "500m", "0.5", "512Mi", "1Gi"). */
const QUANTITY = /^[+]?(\d+\.?\d*|\.\d+)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei|e\d+)?$/;
/** DNS-1123 label: object names, namespaces. */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** extended resource name such as nvidia.com/gpu or aliyun.com/gpu-mem */
const RESOURCE_NAME = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

export const Quantity = z.string().regex(QUANTITY, 'must be a Kubernetes quantity such as 500m, 0.5 or 512Mi');
export const DnsLabel = z.string().max(63).regex(DNS_LABEL, 'must be lower-case letters, digits and "-" (DNS-1123 label)');

export const GpuResource = z.object({
  /** extended resource, e.g. nvidia.com/gpu, or a fractional one such as nvidia.com/gpu.shared or aliyun.com/gpu-mem */
  resource: z.string().regex(RESOURCE_NAME, 'must be an extended resource name such as nvidia.com/gpu'),
  /** amount requested and limited (extended resources cannot be overcommitted) */
  quantity: Quantity,
});
export type GpuResource = z.infer<typeof GpuResource>;

export const KubernetesOptions = z.object({
  /** kubeconfig file; default: KUBECONFIG, then ~/.kube/config, then the in-cluster service account */
  kubeconfig: z.string().min(1).optional(),
  /** kubeconfig context; default: the current context */
  context: z.string().min(1).optional(),
  /** namespace for every object; default: the context's namespace, else "default" */
  namespace: DnsLabel.optional(),
  /** image with the service (Dockerfile, default target) @default "clouddetect:latest" */
  image: z.string().min(1).default('clouddetect:latest'),
  /** image with the load worker and the test images, for the cluster location's Job (Dockerfile, target loadgen) @default "clouddetect-loadgen:latest" */
  clientImage: z.string().min(1).default('clouddetect-loadgen:latest'),
  /** @default "IfNotPresent" (images loaded into the nodes' runtime by hand are not pulled) */
  imagePullPolicy: z.enum(['Always', 'IfNotPresent', 'Never']).default('IfNotPresent'),
  /** fixed NodePort (30000-32767); default: the cluster picks one */
  nodePort: z.number().int().min(30000).max(32767).optional(),
  /** address the remote client uses for the NodePort; default: discovered from the nodes and the kubeconfig */
  nodeAddress: z.string().min(1).optional(),
  /** directory in the image that holds the model files @default "/app/model" */
  imageModelDir: z.string().startsWith('/').default('/app/model'),
  /** directory in the image that holds the 128 test images, for the in-cluster load Job @default "/app/inputfolder" */
  imageImagesDir: z.string().startsWith('/').default('/app/inputfolder'),
  /** command that runs the load worker inside the image (working directory: the image's WORKDIR); it reads the LoadJob JSON on stdin */
  clientCommand: z.array(z.string().min(1)).min(1).default(['node', 'experiments/load/worker.js']),
  gpu: GpuResource.optional(),
  /** run the in-cluster load Job on the control-plane node, as the assignment asks @default true */
  pinClusterClientToControlPlane: z.boolean().default(true),
  /** leave every object in place at the end (down() deletes nothing) @default false */
  keep: z.boolean().default(false),
  /** rollout wait limit per up/scale, seconds @default 300 */
  rolloutTimeoutS: z.number().positive().default(300),
  /** how often the backend polls the API while waiting, ms @default 1000 */
  pollMs: z.number().int().positive().default(1000),
  /** seconds a replica keeps serving after it is told to stop, so the Service stops routing to it first @default 5 */
  preStopSleepS: z.number().int().nonnegative().default(5),
  /** lines of each pod log kept for the load-balancing evidence @default 200 */
  logTailLines: z.number().int().positive().default(200),
});
export type KubernetesOptionsInput = z.input<typeof KubernetesOptions>;
export type KubernetesOptions = z.output<typeof KubernetesOptions>;

/** One-line message naming every bad option. */
export function parseKubernetesOptions(input: unknown): KubernetesOptions {
  const parsed = KubernetesOptions.safeParse(input ?? {});
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || 'options'}: ${i.message}`);
    throw new Error(`kubernetes backend options: ${issues.join('; ')}`);
  }
  return parsed.data;
}

/** Environment variable → option, for runs started by the CLI, which passes only the generic backend options. */
export const ENV_OPTIONS = {
  CLOUDDETECT_K8S_KUBECONFIG: 'kubeconfig',
  CLOUDDETECT_K8S_CONTEXT: 'context',
  CLOUDDETECT_K8S_NAMESPACE: 'namespace',
  CLOUDDETECT_K8S_IMAGE: 'image',
  CLOUDDETECT_K8S_CLIENT_IMAGE: 'clientImage',
  CLOUDDETECT_K8S_IMAGE_PULL_POLICY: 'imagePullPolicy',
  CLOUDDETECT_K8S_NODE_PORT: 'nodePort',
  CLOUDDETECT_K8S_NODE_ADDRESS: 'nodeAddress',
  CLOUDDETECT_K8S_MODEL_DIR: 'imageModelDir',
  CLOUDDETECT_K8S_IMAGES_DIR: 'imageImagesDir',
  CLOUDDETECT_K8S_CLIENT_COMMAND: 'clientCommand',
  CLOUDDETECT_K8S_GPU: 'gpu',
  CLOUDDETECT_K8S_PIN_CLIENT: 'pinClusterClientToControlPlane',
  CLOUDDETECT_K8S_ROLLOUT_TIMEOUT_S: 'rolloutTimeoutS',
  CLOUDDETECT_K8S_POLL_MS: 'pollMs',
} as const satisfies Record<string, keyof KubernetesOptionsInput>;

function fromEnvValue(option: keyof KubernetesOptionsInput, raw: string): unknown {
  switch (option) {
    case 'nodePort':
    case 'rolloutTimeoutS':
    case 'pollMs':
      return Number(raw);
    case 'pinClusterClientToControlPlane':
      return !['0', 'false', 'no'].includes(raw.toLowerCase());
    case 'clientCommand':
      return raw.trim().split(/\s+/);
    case 'gpu': {
      // "nvidia.com/gpu=1"
      const [resource = '', quantity = ''] = raw.split('=');
      return { resource: resource.trim(), quantity: quantity.trim() };
    }
    default:
      return raw;
  }
}

/** Options set in the environment (empty values ignored); validated later with the rest. */
export function kubernetesOptionsFromEnv(env: NodeJS.ProcessEnv): KubernetesOptionsInput {
  const out: Record<string, unknown> = {};
  for (const [name, option] of Object.entries(ENV_OPTIONS)) {
    const raw = env[name];
    if (raw !== undefined && raw !== '') out[option] = fromEnvValue(option, raw);
  }
  return out as KubernetesOptionsInput;
}

/** Explicit options win over the environment; an explicit undefined does not erase a set variable. */
export function withEnvOptions<T extends object>(explicit: T, env: NodeJS.ProcessEnv): T & KubernetesOptionsInput {
  const defined = Object.fromEntries(Object.entries(explicit).filter(([, v]) => v !== undefined));
  return { ...kubernetesOptionsFromEnv(env), ...defined } as T & KubernetesOptionsInput;
}
