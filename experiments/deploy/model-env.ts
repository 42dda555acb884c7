/**
 * The environment that tells a replica what to serve (docs/service.md): a
 * detection replica loads MODEL_PATH; a pose replica runs with TASK=pose and
 * loads only the pose models, so it never pays for the detection session.
 * A spec with `work` also turns on the binding study's CPU work route and
 * lets that many requests wait in the replica, as long as a client waits. Pure; every backend uses it
 * (local: host paths, kubernetes: image paths).
 */
import type { DeploymentSpec } from '../contracts/deployment.js';

export function replicaModelEnv(o: Pick<DeploymentSpec, 'task' | 'modelPath' | 'poseDetectorPath' | 'work'>): Record<string, string> {
  const work: Record<string, string> = o.work
    ? { WORK_UNIT_MS: String(o.work.unitMs), WORK_MAX_UNITS: String(o.work.maxUnits), QUEUE_LENGTH: String(o.work.queueLength), QUEUE_TIMEOUT_MS: String(o.work.queueTimeoutMs) }
    : {};
  if (o.task === 'detection') return { MODEL_PATH: o.modelPath, ...work };
  return {
    TASK: 'pose',
    POSE_MODEL_PATH: o.modelPath,
    ...(o.poseDetectorPath !== undefined ? { POSE_DETECTOR_PATH: o.poseDetectorPath } : {}),
    ...work,
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
