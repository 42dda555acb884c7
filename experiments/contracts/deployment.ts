/**
 * What a cell asks a backend to run: the replica set's shape and how
 * requests reach it. A study sets it per cell (replica count, resources,
 * GPU share, balancer policy); a backend reuses running replicas when only
 * the count changes. Pure.
 */
import { z } from 'zod';
import { Task } from './domain.js';

/** How the local balancer binds a request to a replica (kube-proxy's Service is round-robin-like). */
export const BALANCER_POLICIES = ['round-robin', 'random', 'least-connections'] as const;
export const BalancerPolicy = z.enum(BALANCER_POLICIES);
export type BalancerPolicy = z.infer<typeof BalancerPolicy>;

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
  balancer: BalancerPolicy,
  /** GPU share per replica; only a backend that declares GPUs runs it (the plan skips such cells elsewhere) */
  gpu: GpuShare.optional(),
});
export type DeploymentSpec = z.infer<typeof DeploymentSpec>;

const sameGpu = (a: GpuShare | undefined, b: GpuShare | undefined): boolean =>
  a?.count === b?.count && a?.coresPercent === b?.coresPercent && a?.memoryMi === b?.memoryMi;

/** Whether two specs need different replica processes (anything but the count and the balancer). */
export function sameReplicaShape(a: DeploymentSpec, b: DeploymentSpec): boolean {
  return a.task === b.task && a.cpu === b.cpu && a.memoryMi === b.memoryMi && a.modelPath === b.modelPath && a.poseDetectorPath === b.poseDetectorPath && sameGpu(a.gpu, b.gpu);
}
