/**
 * What a cell asks a backend to run: the replica set's shape and how
 * requests reach it. A study sets it per cell (replica count today,
 * resources and balancer policy next); a backend reuses running replicas
 * when only the count changes. Pure.
 */
import { z } from 'zod';
import { Task } from './domain.js';

/** How the local balancer binds a request to a replica (kube-proxy's Service is round-robin-like). */
export const BALANCER_POLICIES = ['round-robin', 'random', 'least-connections'] as const;
export const BalancerPolicy = z.enum(BALANCER_POLICIES);
export type BalancerPolicy = z.infer<typeof BalancerPolicy>;

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
});
export type DeploymentSpec = z.infer<typeof DeploymentSpec>;

/** Whether two specs need different replica processes (anything but the count and the balancer). */
export function sameReplicaShape(a: DeploymentSpec, b: DeploymentSpec): boolean {
  return a.task === b.task && a.cpu === b.cpu && a.memoryMi === b.memoryMi && a.modelPath === b.modelPath && a.poseDetectorPath === b.poseDetectorPath;
}
