/**
 * The environment that tells a replica what to serve (docs/service.md): a
 * detection replica loads MODEL_PATH; a pose replica runs with TASK=pose and
 * loads only the pose models, so it never pays for the detection session.
 * Pure; every backend uses it (local: host paths, kubernetes: image paths).
 */
import type { DeploymentSpec } from '../contracts/deployment.js';

export function replicaModelEnv(o: Pick<DeploymentSpec, 'task' | 'modelPath' | 'poseDetectorPath'>): Record<string, string> {
  if (o.task === 'detection') return { MODEL_PATH: o.modelPath };
  return {
    TASK: 'pose',
    POSE_MODEL_PATH: o.modelPath,
    ...(o.poseDetectorPath !== undefined ? { POSE_DETECTOR_PATH: o.poseDetectorPath } : {}),
  };
}
