/**
 * The pose model as the service sees it: model/pose's estimator with the
 * service's error catalog and stage clock, so the pose routes share
 * Server-Timing, logs and stage histograms with detection. The routes only
 * see the PoseModel interface, so tests can swap in a gated one.
 */
import { createPoseEstimator, type PoseEstimator, type PoseResult } from '../model/pose/index.js';
import { rethrowImageError, warmUpImage } from './detector.js';
import type { PoseModelInfo } from './metrics.js';
import { Timings } from './timing.js';

export interface PoseModel {
  readonly info: PoseModelInfo;
  /** people in original-image pixels; stage times are added to `timings` */
  estimate(image: Buffer, timings: Timings): Promise<PoseResult>;
  close(): Promise<void>;
}

export interface PoseModelOptions {
  modelPath: string;
  /** person detector, for a top-down keypoint model */
  detectorPath?: string;
  maxPeople: number;
  /** onnxruntime intra-op threads per session */
  threads: number;
  /** larger images are refused before decoding */
  maxPixels: number;
}

export async function loadPoseModel(opts: PoseModelOptions): Promise<PoseModel> {
  const estimator = await createPoseEstimator({
    modelPath: opts.modelPath,
    detectorPath: opts.detectorPath,
    intraOpThreads: opts.threads,
    maxPeople: opts.maxPeople,
  });
  // A single-stage model ignores the detector, so it is not reported as loaded.
  const detector = estimator.kind === 'top-down' ? opts.detectorPath ?? '' : '';
  return createPoseModel(estimator, opts.maxPixels, { path: opts.modelPath, detector, kind: estimator.kind, threads: opts.threads });
}

export function createPoseModel(estimator: PoseEstimator, maxPixels: number, info: PoseModelInfo): PoseModel {
  return {
    info,
    async estimate(image, timings) {
      const started = performance.now();
      const result = await estimator.estimate(image, { maxPixels }).catch(rethrowImageError);
      const { preprocessMs, inferenceMs, postprocessMs } = result.timings;
      // The estimator takes one image at a time; whatever its own stages do not cover was spent waiting for it.
      timings.add('queue', Math.max(0, performance.now() - started - preprocessMs - inferenceMs - postprocessMs));
      timings.add('decode', preprocessMs);
      timings.add('inference', inferenceMs);
      timings.add('postprocess', postprocessMs);
      return result;
    },
    close: () => estimator.close(),
  };
}

/**
 * One estimate on a generated image, so the first real request does not pay
 * for the detector's lazy initialisation. Nobody is found in it, so a
 * top-down keypoint model's first run (a few ms for MoveNet) stays cold.
 */
export async function warmUpPose(pose: PoseModel): Promise<void> {
  await pose.estimate(await warmUpImage(), new Timings());
}
