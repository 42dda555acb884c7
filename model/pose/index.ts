/**
 * The pose pipeline's public surface. createPoseEstimator looks at the
 * model's tensors to choose the pipeline: a single-person keypoint model
 * (MoveNet) plus a person detector runs top-down; a YOLO-pose export
 * ([1, 56, N]) runs single-stage.
 */
import { z } from 'zod';
import { loadModelFamily } from '../families/index.js';
import { createSinglePoseModel, isSinglePoseShape } from './movenet.js';
import { openSession, type LoadedSession } from './session.js';
import { createTopDownEstimator } from './top-down.js';
import type { PoseEstimator } from './types.js';
import { createYoloPoseEstimator, isYoloPoseModel } from './yolo-pose.js';

export { drawPose, poseSvg, type DrawOptions } from './draw.js';
export { toPoseResponse, type PoseResponse } from './response.js';
export * from './types.js';

const optionsSchema = z.object({
  /** the keypoint model: MoveNet SinglePose (top-down) or a YOLO-pose export */
  modelPath: z.string().min(1),
  /** person detector for top-down (a yolov8 family model); required with MoveNet */
  detectorPath: z.string().min(1).optional(),
  /** onnxruntime intra-op threads per session @default 1 */
  intraOpThreads: z.number().int().min(1).max(64).default(1),
  /** people per image, best first; bounds the work and memory a crowd can cost @default 20 */
  maxPeople: z.number().int().min(1).max(300).default(20),
  /** detector (or yolo-pose) confidence a person needs @default 0.3 */
  minPersonScore: z.number().min(0).max(1).default(0.3),
  /** NMS overlap above which the weaker of two people is dropped @default 0.45 */
  iouThreshold: z.number().gt(0).max(1).default(0.45),
  /** top-down crop side as a multiple of the longer person-box side @default 1.25 */
  cropMargin: z.number().min(1).max(3).default(1.25),
  /**
   * top-down: crop pixels more than this fraction of the box size outside the
   * person box are blacked out, so neighbours in a crowd do not pull the
   * keypoints away @default 0.1
   */
  boxMargin: z.number().min(0).max(1).default(0.1),
  /** top-down crops per keypoint-model run when its batch is symbolic @default 8 */
  maxBatch: z.number().int().min(1).max(64).default(8),
});

export type PoseEstimatorOptions = z.input<typeof optionsSchema>;

export async function createPoseEstimator(options: PoseEstimatorOptions): Promise<PoseEstimator> {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || 'options'}: ${i.message}`).join('; ');
    throw new Error(`invalid pose estimator options: ${issues}`);
  }
  const opts = parsed.data;
  const model = await openSession(opts.modelPath, opts.intraOpThreads);

  if (isYoloPoseModel(model)) {
    return createYoloPoseEstimator(model, opts);
  }
  if (isSinglePoseShape(model.input, model.output)) {
    if (!opts.detectorPath) {
      await model.session.release();
      throw new Error(`${opts.modelPath} is a single-person keypoint model: pass detectorPath (a yolov8 person detector) for top-down`);
    }
    return createTopDown(model, opts.detectorPath, opts);
  }
  await model.session.release();
  throw new Error(
    `${opts.modelPath} is not a pose model: input ${describe(model.input)}, output ${describe(model.output)}; ` +
      'expected MoveNet (uint8 [1, S, S, 3] → [1, 1, 17, 3]) or YOLO-pose ([1, 3, S, S] → [1, 56, N])',
  );
}

async function createTopDown(
  model: LoadedSession,
  detectorPath: string,
  opts: z.output<typeof optionsSchema>,
): Promise<PoseEstimator> {
  let detectorSession: LoadedSession | undefined;
  try {
    const keypoints = createSinglePoseModel(model, opts.maxBatch);
    detectorSession = await openSession(detectorPath, opts.intraOpThreads);
    const detector = await loadModelFamily(detectorPath, { session: detectorSession.session });
    return createTopDownEstimator({ detector, detectorSession, keypoints }, opts);
  } catch (err) {
    await Promise.all([model.session.release(), detectorSession?.session.release()]);
    throw err;
  }
}

function describe(t: { type: string; shape: ReadonlyArray<number | string> }): string {
  return `${t.type} [${t.shape.join(', ')}]`;
}
