/**
 * Handlebars templates in k8s/templates → Kubernetes objects. Deterministic:
 * the same options always give the same YAML, which is what --dry-run prints
 * and what k8s/deployment.yaml and k8s/service.yaml hold for the defaults.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import * as yaml from 'js-yaml';
import { GpuShare, isLatePolicy, type BalancerSpec, type DeploymentSpec, type LatePolicy } from '../../contracts/deployment.js';
import type { LoadJob } from '../../load/protocol/schema.js';
import { parseKubernetesOptions, type KubernetesOptions, type KubernetesOptionsInput } from './options.js';
import { validateManifests, type KubeObject } from './validate.js';
import { deploymentName, loadJobName, runIdLabel } from './names.js';
import { REPLICA_RUNTIME_ENV, replicaModelEnv } from '../model-env.js';

const TEMPLATES_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../k8s/templates');

/**
 * What the service manifests depend on: the run, a cell's DeploymentSpec (or its replica fields) and the kubernetes options.
 * The cell's GPU share is `gpuShare`, apart from the backend-wide `gpu` option (one extended resource for every pod).
 */
export type ManifestOptions = { runId: string } & Pick<DeploymentSpec, 'replicas' | 'cpu' | 'memoryMi' | 'modelPath'> &
  Partial<Pick<DeploymentSpec, 'task' | 'poseDetectorPath' | 'balancer' | 'work'>> & { gpuShare?: GpuShare } &
  KubernetesOptionsInput;

/** A cell's deployment as manifest options (its balancer picks the objects: renderFor; on a run, see unsupported()). */
export function specManifestOptions(runId: string, spec: DeploymentSpec): ManifestOptions {
  return {
    runId,
    replicas: spec.replicas,
    cpu: spec.cpu,
    memoryMi: spec.memoryMi,
    modelPath: spec.modelPath,
    task: spec.task,
    ...(spec.poseDetectorPath !== undefined ? { poseDetectorPath: spec.poseDetectorPath } : {}),
    ...(spec.gpu ? { gpuShare: spec.gpu } : {}),
    ...(spec.work ? { work: spec.work } : {}),
    balancer: spec.balancer,
  };
}

/**
 * HAMi's resource names for a GPU share: an integer vGPU count, the percent of its cores, its memory in MiB.
 * Limits only: for extended resources the API server sets the request to the limit.
 */
export function hamiLimits(share: GpuShare): { name: string; value: string }[] {
  return [
    { name: 'nvidia.com/gpu', value: String(share.count) },
    ...(share.coresPercent !== undefined ? [{ name: 'nvidia.com/gpucores', value: String(share.coresPercent) }] : []),
    ...(share.memoryMi !== undefined ? [{ name: 'nvidia.com/gpumem', value: String(share.memoryMi) }] : []),
  ];
}

/** Why a GPU share cannot be rendered with these options, or null. */
export function gpuConflict(share: GpuShare | undefined, opts: Pick<KubernetesOptions, 'gpu'>): string | null {
  return share && opts.gpu
    ? `the cell's GPU share (HAMi nvidia.com/gpu…) and the gpu option (${opts.gpu.resource}, CLOUDDETECT_K8S_GPU) both set GPU resources: unset the option`
    : null;
}

export interface RenderedManifests {
  /** multi-document YAML, valid input for `kubectl apply -f -` */
  yaml: string;
  /** the same objects, parsed */
  objects: KubeObject[];
}

const CONTAINER_PORT = 8080;
const DEFAULT_NAMESPACE = 'default';

const hbs = Handlebars.create();
// JSON is a subset of YAML: every value lands as a safely quoted scalar.
hbs.registerHelper('json', (value: unknown) => JSON.stringify(value));
hbs.registerHelper('string', (value: unknown) => String(value));
hbs.registerPartial('labels', readTemplate('labels.hbs'));

const compiled = new Map<string, HandlebarsTemplateDelegate>();

function readTemplate(file: string): string {
  return readFileSync(path.join(TEMPLATES_DIR, file), 'utf8');
}

function template(file: string): HandlebarsTemplateDelegate {
  let t = compiled.get(file);
  if (!t) {
    t = hbs.compile(readTemplate(file), { noEscape: true });
    compiled.set(file, t);
  }
  return t;
}

/** 0.5 → "500m", 2 → "2": the form kubectl prints back. */
export function cpuQuantity(cores: number): string {
  return Number.isInteger(cores) ? String(cores) : `${Math.round(cores * 1000)}m`;
}

function toObjects(docs: string[]): RenderedManifests {
  const yamlText = docs.map((d) => d.trim()).join('\n---\n') + '\n';
  const objects = yaml.loadAll(yamlText).filter((o): o is KubeObject => o !== null && typeof o === 'object');
  validateManifests(objects);
  return { yaml: yamlText, objects };
}

function common(opts: KubernetesOptions, runId: string, namespace: string | undefined) {
  return {
    name: deploymentName(runId),
    runId: runIdLabel(runId),
    namespace: namespace ?? opts.namespace ?? DEFAULT_NAMESPACE,
    image: opts.image,
    imagePullPolicy: opts.imagePullPolicy,
  };
}

/** What the pod templates of the Deployment and of the Knative Service share. */
function podView(input: ManifestOptions, opts: KubernetesOptions, namespace: string | undefined) {
  const inImage = (file: string) => path.posix.join(opts.imageModelDir, path.basename(file));
  if (!Number.isInteger(input.replicas) || input.replicas < 0) throw new Error(`replicas must be a non-negative integer, got ${input.replicas}`);
  const parsedShare = GpuShare.optional().safeParse(input.gpuShare);
  if (!parsedShare.success) throw new Error(`gpuShare: ${parsedShare.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  const share = parsedShare.data;
  const conflict = gpuConflict(share, opts);
  if (conflict) throw new Error(conflict);
  return {
    ...common(opts, input.runId, namespace),
    replicas: input.replicas,
    cpu: cpuQuantity(input.cpu),
    memory: `${input.memoryMi}Mi`,
    gpu: opts.gpu,
    gpuLimits: share ? hamiLimits(share) : [],
    // model files sit in the image's model directory under their host names
    modelEnv: Object.entries({
      ...REPLICA_RUNTIME_ENV,
      ...replicaModelEnv({
        task: input.task ?? 'detection',
        modelPath: inImage(input.modelPath),
        ...(input.poseDetectorPath !== undefined ? { poseDetectorPath: inImage(input.poseDetectorPath) } : {}),
        ...(input.work !== undefined ? { work: input.work } : {}),
      }),
    }).map(([name, value]) => ({ name, value })),
    containerPort: CONTAINER_PORT,
  };
}

/**
 * The detector Deployment and its NodePort Service, validated. `namespace`
 * overrides the option when the backend resolved it from the kubeconfig.
 */
export function renderManifests(input: ManifestOptions, namespace?: string): RenderedManifests {
  const opts = parseKubernetesOptions(input);
  const view = {
    ...podView(input, opts, namespace),
    nodePort: opts.nodePort,
    preStopSleepS: opts.preStopSleepS,
    // the drain after preStop needs time too: in-flight requests may take seconds under load
    terminationGracePeriodS: opts.preStopSleepS + 30,
  };
  return toObjects([template('deployment.yaml.hbs')(view), template('service.yaml.hbs')(view)]);
}

/** Knative's default request timeout, seconds: the activator cuts a request (queueing included) after it. */
const KNATIVE_TIMEOUT_S = 300;

export type LateBalancer = Extract<BalancerSpec, { policy: LatePolicy }>;

/**
 * Late binding on Knative: one Knative Service whose requests all pass the
 * activator, containerConcurrency = the policy's slots per replica. The
 * activator picks firstAvailable for 1-3 slots, which is what
 * `first-available` names; `late-binding`'s ideal central queue is the
 * closest Knative comes, the same activator. A GPU share is not rendered
 * here (the binding study asks for none).
 */
export function renderKnativeService(input: ManifestOptions & { balancer: LateBalancer }, namespace?: string): RenderedManifests {
  const opts = parseKubernetesOptions(input);
  const pod = podView(input, opts, namespace);
  const view = {
    ...pod,
    // Knative makes a Kubernetes Service of the same name: apart from the plain Service of early binding
    name: `${pod.name}-kn`,
    containerConcurrency: input.balancer.replicaConcurrency,
    timeoutS: KNATIVE_TIMEOUT_S,
  };
  return toObjects([template('knative-service.yaml.hbs')(view)]);
}

/** The manifests of `input`'s binding: a Knative Service for a late policy, else the Deployment and its Service. */
export function renderFor(input: ManifestOptions, namespace?: string): RenderedManifests {
  const { balancer } = input;
  return balancer && isLatePolicy(balancer.policy) ? renderKnativeService({ ...input, balancer: balancer as LateBalancer }, namespace) : renderManifests(input, namespace);
}

export interface LoadJobManifestOptions {
  runId: string;
  /** distinguishes the Jobs of one run */
  sequence: number;
  job: LoadJob;
  namespace: string;
  /** Job deadline, seconds */
  activeDeadlineS: number;
}

/** The Job that runs one LoadJob in the cluster. */
export function renderLoadJob(input: LoadJobManifestOptions, kube: KubernetesOptions): RenderedManifests & { name: string } {
  const name = loadJobName(input.runId, input.sequence);
  const view = {
    ...common(kube, input.runId, input.namespace),
    image: kube.clientImage,
    jobName: name,
    activeDeadlineS: Math.ceil(input.activeDeadlineS),
    pinToControlPlane: kube.pinClusterClientToControlPlane,
    loadJob: JSON.stringify(input.job),
    // the worker reads its job on stdin; the env var keeps the Job self-contained
    shellCommand: `printf '%s' "$LOAD_JOB" | ${kube.clientCommand.map(shellQuote).join(' ')}`,
  };
  return { ...toObjects([template('client-job.yaml.hbs')(view)]), name };
}

function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
