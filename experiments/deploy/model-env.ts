/**
 * The environment that tells a replica what to serve (docs/service.md): a
 * detection replica loads MODEL_PATH; a pose replica runs with TASK=pose and
 * loads only the pose models, so it never pays for the detection session.
 * Pure; both backends use it (local: host paths, kubernetes: image paths).
 */
import type { BackendOptions } from './backend.js';

export function replicaModelEnv(o: Pick<BackendOptions, 'task' | 'modelPath' | 'poseDetectorPath'>): Record<string, string> {
  if (o.task === 'detection') return { MODEL_PATH: o.modelPath };
  return {
    TASK: 'pose',
    POSE_MODEL_PATH: o.modelPath,
    ...(o.poseDetectorPath !== undefined ? { POSE_DETECTOR_PATH: o.poseDetectorPath } : {}),
  };
}
