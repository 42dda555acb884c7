/**
 * Single-stage pose estimation with an Ultralytics YOLO-pose export
 * ([1, 3, S, S] → [1, 56, N]): one letterboxed pass finds every person and
 * their keypoints at once.
 */
import ort from 'onnxruntime-node';
import { preprocess } from '../families/index.js';
import { ultralyticsInput } from '../families/yolov8.js';
import { fixedDim, type LoadedSession } from './session.js';
import type { PoseEstimator, PoseResult } from './types.js';
import { decodeYoloPose, isYoloPoseShape } from './yolo-pose-decode.js';
import { toPeople } from './yolo-pose-people.js';

export interface YoloPoseOptions {
  maxPeople: number;
  minPersonScore: number;
  iouThreshold: number;
}

/** Ultralytics' default export size, for models with a symbolic input size. */
const DEFAULT_SIZE = 640;

export function isYoloPoseModel(loaded: LoadedSession): boolean {
  const { input, output } = loaded;
  return input.type === 'float32' && input.shape.length === 4 && isYoloPoseShape(output.shape);
}

export function createYoloPoseEstimator(loaded: LoadedSession, opts: YoloPoseOptions): PoseEstimator {
  const { session, input: inInfo, output: outInfo } = loaded;
  const input = ultralyticsInput(inInfo.name, fixedDim(inInfo.shape, 3) ?? DEFAULT_SIZE, fixedDim(inInfo.shape, 2) ?? DEFAULT_SIZE);

  return {
    kind: 'yolo-pose',
    async estimate(image, { maxPixels }): Promise<PoseResult> {
      const t0 = performance.now();
      const pre = await preprocess(image, input, { maxPixels });
      const t1 = performance.now();
      const result = await session.run({ [input.name]: new ort.Tensor('float32', pre.tensor as Float32Array, pre.dims) });
      const out = result[outInfo.name];
      if (!out || !(out.data instanceof Float32Array)) throw new Error(`yolo-pose model gave no float32 ${outInfo.name}`);
      const t2 = performance.now();
      const candidates = decodeYoloPose({ data: out.data, dims: out.dims }, opts.minPersonScore);
      const people = toPeople(candidates, pre.placement, { iouThreshold: opts.iouThreshold, maxPeople: opts.maxPeople });
      const t3 = performance.now();
      return {
        width: pre.placement.srcWidth,
        height: pre.placement.srcHeight,
        people,
        timings: { preprocessMs: t1 - t0, inferenceMs: t2 - t1, postprocessMs: t3 - t2 },
      };
    },
    close: () => session.release(),
  };
}
