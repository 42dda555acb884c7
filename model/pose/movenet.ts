/**
 * The single-person keypoint model (MoveNet SinglePose): uint8 RGB NHWC
 * [B, S, S, 3] in, [B, 1, 17, 3] (y, x, score; y/x normalised to the input)
 * out. The shipped int8 export has a fixed batch of 1; a model with a
 * symbolic batch dimension gets several crops per run.
 */
import ort from 'onnxruntime-node';
import { fixedDim, type LoadedSession, type Shape } from './session.js';
import { KEYPOINT_COUNT } from './types.js';

export const SINGLE_POSE_VALUES = KEYPOINT_COUNT * 3;

export interface SinglePoseModel {
  /** side of the square input */
  readonly inputSize: number;
  /** crops per run: 1 for a fixed-batch model */
  readonly maxBatch: number;
  /**
   * Runs `count` crops laid out back to back in `pixels` (count × S × S × 3).
   * Returns count × 17 × (y, x, score).
   */
  run(pixels: Uint8Array, count: number): Promise<Float32Array>;
  close(): Promise<void>;
}

export function isSinglePoseShape(input: { type: string; shape: Shape }, output: { shape: Shape }): boolean {
  const i = input.shape;
  const o = output.shape;
  return (
    input.type === 'uint8' &&
    i.length === 4 &&
    i[3] === 3 &&
    fixedDim(i, 1) !== undefined &&
    i[1] === i[2] &&
    o.length === 4 &&
    o[2] === KEYPOINT_COUNT &&
    o[3] === 3
  );
}

export function createSinglePoseModel(loaded: LoadedSession, batchLimit: number): SinglePoseModel {
  const { session, input, output } = loaded;
  if (!isSinglePoseShape(input, output)) {
    throw new Error(
      `not a single-person keypoint model: input ${input.type} [${input.shape.join(', ')}], output [${output.shape.join(', ')}]; expected uint8 [B, S, S, 3] → [B, 1, 17, 3]`,
    );
  }
  const inputSize = fixedDim(input.shape, 1) as number;
  const fixedBatch = fixedDim(input.shape, 0);
  if (fixedBatch !== undefined && fixedBatch !== 1) {
    throw new Error(`single-pose model has a fixed batch of ${fixedBatch}; only 1 or a symbolic batch is supported`);
  }
  const maxBatch = fixedBatch ?? Math.max(1, batchLimit);
  const crop = inputSize * inputSize * 3;

  return {
    inputSize,
    maxBatch,
    async run(pixels, count) {
      if (count < 1 || count > maxBatch || pixels.length < count * crop) {
        throw new Error(`single-pose run: ${count} crops do not fit batch ${maxBatch} / buffer ${pixels.length}`);
      }
      // subarray: the caller's reusable buffer is fed without a copy
      const tensor = new ort.Tensor('uint8', pixels.subarray(0, count * crop), [count, inputSize, inputSize, 3]);
      const result = await session.run({ [input.name]: tensor });
      const out = result[output.name];
      if (!out || !(out.data instanceof Float32Array) || out.data.length !== count * SINGLE_POSE_VALUES) {
        throw new Error(`single-pose model returned ${out?.dims.join('×') ?? 'nothing'}, expected ${count}×1×17×3 float32`);
      }
      return out.data;
    },
    close: () => session.release(),
  };
}
