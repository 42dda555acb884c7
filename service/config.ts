/**
 * Service configuration from the environment, validated once at start.
 * Every variable, its default and its range live in this one schema; a bad
 * value stops the process with one line per problem naming the variable.
 */
import { hostname } from 'node:os';
import { z } from 'zod';

const int = (min: number, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(min).max(max);
const fraction = z.coerce.number().min(0).max(1);
const bool = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off'])
  .transform((v) => ['1', 'true', 'yes', 'on'].includes(v));

export const ConfigSchema = z.object({
  /** `detection` (plus pose when POSE_MODEL_PATH is set) or `pose` only, which never loads MODEL_PATH. @default detection */
  TASK: z.enum(['detection', 'pose']).default('detection'),
  /** @default 8080; must be above 1024 so the service never needs root */
  PORT: int(1025, 65535).default(8080),
  /** @default model/default.onnx (written by `npm run model:install`) */
  MODEL_PATH: z.string().min(1).default('model/default.onnx'),
  /** minimum confidence of a returned object. @default 0.5 */
  SCORE_THRESHOLD: fraction.default(0.5),
  /** IoU above which the weaker of two boxes is suppressed. @default 0.45 */
  IOU_THRESHOLD: fraction.default(0.45),
  /** NMS per class (true) or across all classes (false). @default true */
  CLASS_WISE_NMS: bool.default(true),
  /** @default 100 */
  MAX_DETECTIONS: int(1, 10_000).default(100),
  /** pose keypoint model (MoveNet SinglePose, or a YOLO-pose export); setting it adds the pose routes. @default none (TASK=pose: the installed MoveNet) */
  POSE_MODEL_PATH: z.string().min(1).optional(),
  /** person detector for top-down pose (a yolov8 model). @default none (TASK=pose with the default POSE_MODEL_PATH: the installed yolov8n int8) */
  POSE_DETECTOR_PATH: z.string().min(1).optional(),
  /** people per image for pose, most confident first: bounds what a crowd costs. @default 20 */
  POSE_MAX_PEOPLE: int(1, 300).default(20),
  /** request body limit in bytes (base64 inflates an image by 4/3). @default 8 MiB */
  MAX_BODY_BYTES: int(1024, 256 * 1024 * 1024).default(8 * 1024 * 1024),
  /** decoded image size limit (width × height); larger images get 422. @default 24 M */
  MAX_IMAGE_PIXELS: int(1, 1_000_000_000).default(24_000_000),
  /** requests allowed to wait beyond those being processed; more get 503. @default 16 */
  QUEUE_LENGTH: int(0, 10_000).default(16),
  /** memory admitted requests (waiting + processing) may hold for their bodies, each counted at 3× its body bytes (raw, parse string, base64 string); more get 503. @default 64 MiB */
  MAX_QUEUED_BYTES: int(1024, 4 * 1024 * 1024 * 1024).default(64 * 1024 * 1024),
  /** an admitted request that has waited this long (from its headers) for a processing slot gets 503 instead of being processed: its client, timing out at 10 s as the study's does, would not see the answer. @default 10000 */
  QUEUE_TIMEOUT_MS: int(1, 3_600_000).default(10_000),
  /** onnxruntime and libvips threads; 0 = from the cgroup CPU quota and affinity. @default 0 */
  WORKER_THREADS: int(0, 256).default(0),
  /** requests decoded/inferred at once; 0 = the thread count, so a 0.5 CPU pod runs one busy thread. @default 0 */
  CONCURRENCY: int(0, 256).default(0),
  /** resident memory the kernel cannot reclaim (RssAnon + RssShmem: not the mapped libraries) above which new work gets 503; 0 = 80% of the cgroup memory limit (no check when unlimited). @default 0 */
  MEMORY_HIGH_WATER_MB: int(0, 1_000_000).default(0),
  /** time SIGTERM allows in-flight requests to finish, ms. @default 20000 */
  SHUTDOWN_GRACE_MS: int(0, 600_000).default(20_000),
  /** replica name in X-Served-By and logs. @default the hostname */
  POD_NAME: z.string().min(1).optional(),
  /** @default info */
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
}).superRefine((c, ctx) => {
  if (c.POSE_DETECTOR_PATH !== undefined && c.POSE_MODEL_PATH === undefined && c.TASK !== 'pose') {
    ctx.addIssue({ code: 'custom', path: ['POSE_DETECTOR_PATH'], message: 'pose is off: set POSE_MODEL_PATH too (or TASK=pose)' });
  }
});

export type RawConfig = z.infer<typeof ConfigSchema>;

export interface PoseConfig {
  modelPath: string;
  detectorPath?: string;
  maxPeople: number;
}

export interface Config extends Omit<RawConfig, 'POD_NAME'> {
  replica: string;
  /** the pose models to serve, or undefined when pose is off */
  pose: PoseConfig | undefined;
}

/** What `npm run model:install` puts in model/ for pose. */
export const INSTALLED_POSE_MODEL = 'model/movenet_singlepose_lightning_int8.onnx';
export const INSTALLED_POSE_DETECTOR = 'model/yolov8n_int8.onnx';

/**
 * Pose is opt-in: two more sessions cost memory a detection replica in a
 * 512 MiB pod should not pay for, so installed pose models alone never turn
 * it on. TASK=pose falls back to them.
 */
export function resolvePose(raw: RawConfig): PoseConfig | undefined {
  const modelPath = raw.POSE_MODEL_PATH ?? (raw.TASK === 'pose' ? INSTALLED_POSE_MODEL : undefined);
  if (modelPath === undefined) return undefined;
  const detectorPath = raw.POSE_DETECTOR_PATH ?? (raw.POSE_MODEL_PATH === undefined ? INSTALLED_POSE_DETECTOR : undefined);
  return { modelPath, detectorPath, maxPeople: raw.POSE_MAX_PEOPLE };
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Empty strings count as unset, as they do in Kubernetes manifests with `value: ""`. */
function withoutEmpty(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ''));
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = ConfigSchema.safeParse(withoutEmpty(env));
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const { POD_NAME, ...rest } = parsed.data;
  return { ...rest, replica: POD_NAME ?? hostname(), pose: resolvePose(parsed.data) };
}
