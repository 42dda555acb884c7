/**
 * What a cell asks a backend to run: the replica set's shape and how
 * requests reach it. A study sets it per cell (replica count, resources,
 * GPU share, balancer policy and its settings); a backend reuses running
 * replicas when only the count or the balancer changes. Pure.
 */
import { z } from 'zod';
import { Task } from './domain.js';

/**
 * Early binding: a request is bound to a replica the moment it arrives
 * (kube-proxy's Service is round-robin-like; random-choice-2 is the power of
 * two choices, Knative's activator with containerConcurrency 0).
 */
export const EARLY_POLICIES = ['round-robin', 'random', 'least-connections', 'random-choice-2'] as const;
/**
 * Late binding: a request waits in the balancer until a replica has a free
 * slot. `late-binding` is one central queue that sees every slot;
 * `first-available` is Knative's activator for containerConcurrency ≤ 3
 * (its own queue, the first replica it believes free), emulated with
 * `activators` instances that each see only their own requests.
 */
export const LATE_POLICIES = ['late-binding', 'first-available'] as const;
export const BALANCER_POLICIES = [...EARLY_POLICIES, ...LATE_POLICIES] as const;
export const BalancerPolicy = z.enum(BALANCER_POLICIES);
export type BalancerPolicy = z.infer<typeof BalancerPolicy>;
export type EarlyPolicy = (typeof EARLY_POLICIES)[number];
export type LatePolicy = (typeof LATE_POLICIES)[number];

export const isLatePolicy = (p: BalancerPolicy): p is LatePolicy => (LATE_POLICIES as readonly string[]).includes(p);

/** The central queue of a late policy. */
const CentralQueue = {
  /** requests a replica is handed at once (Knative's containerConcurrency) */
  replicaConcurrency: z.number().int().min(1).max(64),
  /** requests allowed to wait in the balancer; more get 503 */
  queueBound: z.number().int().nonnegative().max(100_000),
  /** a request that waited this long for a slot gets 504 */
  waitTimeoutMs: z.number().positive().max(3_600_000),
};

export const BalancerSpec = z.discriminatedUnion('policy', [
  z.strictObject({ policy: z.enum(EARLY_POLICIES) }),
  z.strictObject({ policy: z.literal('late-binding'), ...CentralQueue }),
  z.strictObject({
    policy: z.literal('first-available'),
    ...CentralQueue,
    /** activator instances, each with its own queue and its own view of the replicas' slots; requests spread over them round-robin */
    activators: z.number().int().min(1).max(16),
  }),
]);
export type BalancerSpec = z.infer<typeof BalancerSpec>;

export interface LateSettings {
  replicaConcurrency: number;
  queueBound: number;
  waitTimeoutMs: number;
  activators: number;
}

/** Settings a late policy gets when a study names only the policy. */
export const LATE_DEFAULTS: Readonly<LateSettings> = { replicaConcurrency: 1, queueBound: 10_000, waitTimeoutMs: 60_000, activators: 1 };

/** The spec of `policy` with its defaults, overridden by `settings` (which an early policy ignores). */
export function balancerSpec(policy: BalancerPolicy, settings: Partial<LateSettings> = {}): BalancerSpec {
  const { replicaConcurrency, queueBound, waitTimeoutMs, activators } = { ...LATE_DEFAULTS, ...settings };
  if (policy === 'late-binding') return { policy, replicaConcurrency, queueBound, waitTimeoutMs };
  if (policy === 'first-available') return { policy, replicaConcurrency, queueBound, waitTimeoutMs, activators };
  return { policy };
}

/**
 * The CPU work route of the binding study (service/routes/work.ts): absent,
 * the replicas do not serve it. One unit of work is `unitMs` of the
 * replica's CPU time.
 */
export const WorkSpec = z.strictObject({
  unitMs: z.number().positive().max(1000),
  /** the largest request a replica accepts, units */
  maxUnits: z.number().int().positive(),
  /** requests a replica lets wait beyond the one it runs (QUEUE_LENGTH): early binding queues there */
  queueLength: z.number().int().nonnegative().max(10_000),
  /** how long one may wait there for its slot before the replica refuses it (QUEUE_TIMEOUT_MS), ms */
  queueTimeoutMs: z.number().int().positive().max(3_600_000),
});
export type WorkSpec = z.infer<typeof WorkSpec>;

/**
 * A GPU share per replica in HAMi's terms: a whole number of vGPUs, and
 * optionally the share of each one's cores and its memory. HAMi refuses a
 * fractional `nvidia.com/gpu` (the share is what gpucores expresses), so a
 * count such as 0.5 is an error here, not at the scheduler.
 */
export const GpuShare = z.strictObject({
  /** `nvidia.com/gpu`: vGPUs per replica */
  count: z.number().int().positive(),
  /** `nvidia.com/gpucores`: percent of each GPU's cores; unset = no core limit */
  coresPercent: z.number().int().min(1).max(100).optional(),
  /** `nvidia.com/gpumem`: device memory per vGPU, MiB; unset = no memory limit */
  memoryMi: z.number().int().positive().optional(),
});
export type GpuShare = z.infer<typeof GpuShare>;

export const DeploymentSpec = z.strictObject({
  task: Task,
  replicas: z.number().int().positive(),
  /** CPU limit (= request) per replica, cores */
  cpu: z.number().positive(),
  /** memory limit (= request) per replica, MiB */
  memoryMi: z.number().positive(),
  /** detection: the detection model; pose: the keypoint model (host path) */
  modelPath: z.string().min(1),
  /** pose: the person detector of the top-down pipeline; unset = the service's installed default */
  poseDetectorPath: z.string().min(1).optional(),
  /** a bare early policy name (run files written before the settings existed) reads as { policy } */
  balancer: z.preprocess((v) => (typeof v === 'string' ? { policy: v } : v), BalancerSpec),
  /** GPU share per replica; only a backend that declares GPUs runs it (the plan skips such cells elsewhere) */
  gpu: GpuShare.optional(),
  work: WorkSpec.optional(),
});
export type DeploymentSpec = z.infer<typeof DeploymentSpec>;

const sameGpu = (a: GpuShare | undefined, b: GpuShare | undefined): boolean =>
  a?.count === b?.count && a?.coresPercent === b?.coresPercent && a?.memoryMi === b?.memoryMi;

const sameWork = (a?: WorkSpec, b?: WorkSpec) =>
  a === b || (a !== undefined && b !== undefined && a.unitMs === b.unitMs && a.maxUnits === b.maxUnits && a.queueLength === b.queueLength && a.queueTimeoutMs === b.queueTimeoutMs);

/** Whether two specs need different replica processes (anything but the count and the balancer). */
export function sameReplicaShape(a: DeploymentSpec, b: DeploymentSpec): boolean {
  return (
    a.task === b.task && a.cpu === b.cpu && a.memoryMi === b.memoryMi && a.modelPath === b.modelPath && a.poseDetectorPath === b.poseDetectorPath &&
    sameGpu(a.gpu, b.gpu) && sameWork(a.work, b.work)
  );
}
