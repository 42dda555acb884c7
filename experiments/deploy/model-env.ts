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

/**
 * What every replica's process runs with, whatever it serves: glibc's malloc
 * keeps one arena per thread that ever allocated, and onnxruntime's and
 * libvips' threads leave each arena holding freed memory, so a pose replica
 * peaked above 300 MiB under the fuzz (`npm run bench -- fuzz`); two arenas
 * keep it below. glibc reads it at start-up, so it cannot be set from inside.
 * ONNX Runtime would otherwise try to upload telemetry from every replica.
 * The image sets the same (Dockerfile).
 */
export const REPLICA_RUNTIME_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '2', ORT_DISABLE_TELEMETRY: '1' };
