/**
 * Top-down pose estimation: a YOLO detector finds people, then a
 * single-person keypoint model runs on a square crop around each one.
 *
 * Memory stays flat in a crowd: at most maxPeople crops per image, processed
 * a batch at a time through one input buffer allocated per estimator.
 */
import ort from 'onnxruntime-node';
import { preprocess, toDetections, type InputSpec, type ModelFamily } from '../families/index.js';
import { mapKeypoint, placeCrop, squareWindow, visibleRegion, type CropPlacement } from './crop.js';
import { writeCrop, type RgbImage } from './crop-pixels.js';
import { SINGLE_POSE_VALUES, type SinglePoseModel } from './movenet.js';
import type { LoadedSession } from './session.js';
import { KEYPOINT_COUNT, type Keypoint, type PoseEstimator, type PosePerson, type PoseResult } from './types.js';

export interface TopDownOptions {
  maxPeople: number;
  minPersonScore: number;
  iouThreshold: number;
  /** crop side = cropMargin × the longer side of the person box */
  cropMargin: number;
  /** crop pixels further than this fraction of the box size outside the box are blacked out */
  boxMargin: number;
}

export interface TopDownParts {
  detector: ModelFamily;
  detectorSession: LoadedSession;
  keypoints: SinglePoseModel;
}

/** Stage clocks, summed over the detector and every crop batch. */
class Stopwatch {
  preprocessMs = 0;
  inferenceMs = 0;
  postprocessMs = 0;
  private last = performance.now();

  lap(stage: 'preprocessMs' | 'inferenceMs' | 'postprocessMs'): void {
    const now = performance.now();
    this[stage] += now - this.last;
    this.last = now;
  }
}

export function createTopDownEstimator(parts: TopDownParts, opts: TopDownOptions): PoseEstimator {
  const { detector, detectorSession, keypoints: model } = parts;
  const personClass = Math.max(0, detector.labels.indexOf('person'));
  const cropBytes = model.inputSize * model.inputSize * 3;
  const batchSize = Math.min(model.maxBatch, opts.maxPeople);
  const batchBuffer = new Uint8Array(batchSize * cropBytes);
  // The crop buffer is shared, so images go through one at a time.
  let queue: Promise<unknown> = Promise.resolve();

  async function findPeople(image: Buffer, maxPixels: number, clock: Stopwatch) {
    const pre = await preprocess(image, detector.input, { maxPixels });
    clock.lap('preprocessMs');
    const feeds = { [detector.input.name]: toOrtTensor(pre.tensor, pre.dims) };
    const result = await detectorSession.session.run(feeds);
    const out = result[detector.outputName];
    if (!out || !(out.data instanceof Float32Array)) throw new Error(`detector gave no float32 ${detector.outputName}`);
    clock.lap('inferenceMs');
    const candidates = detector.decode({ data: out.data, dims: out.dims }, opts.minPersonScore).filter((c) => c.classId === personClass);
    const people = toDetections(candidates, pre.placement, detector.labels, {
      iouThreshold: opts.iouThreshold,
      classWise: true,
      maxDetections: opts.maxPeople,
    });
    clock.lap('postprocessMs');
    return { people, width: pre.placement.srcWidth, height: pre.placement.srcHeight };
  }

  async function estimate(image: Buffer, { maxPixels }: { maxPixels: number }): Promise<PoseResult> {
    const clock = new Stopwatch();
    const found = await findPeople(image, maxPixels, clock);
    const { width, height } = found;
    const people: PosePerson[] = found.people.map((d) => ({
      box: { x: d.box.left, y: d.box.top, width: d.box.width, height: d.box.height },
      probability: d.score,
      keypoints: [],
    }));
    if (people.length > 0) {
      const rgb = await decodeRgb(image, width, height, maxPixels);
      clock.lap('preprocessMs');
      for (let start = 0; start < people.length; start += batchSize) {
        const batch = people.slice(start, start + batchSize);
        const placements = batch.map((p) =>
          placeCrop(squareWindow(p.box, opts.cropMargin), visibleRegion(p.box, opts.boxMargin, width, height), model.inputSize),
        );
        for (const [i, placement] of placements.entries()) await writeCrop(rgb, placement, batchBuffer, i * cropBytes);
        clock.lap('preprocessMs');
        const raw = await model.run(batchBuffer, batch.length);
        clock.lap('inferenceMs');
        batch.forEach((person, i) => {
          person.keypoints = readKeypoints(raw, i, placements[i]!, width, height);
        });
        clock.lap('postprocessMs');
      }
    }
    const { preprocessMs, inferenceMs, postprocessMs } = clock;
    return { width, height, people, timings: { preprocessMs, inferenceMs, postprocessMs } };
  }

  return {
    kind: 'top-down',
    estimate(image, opts) {
      const run = queue.then(() => estimate(image, opts));
      queue = run.catch(() => undefined);
      return run;
    },
    async close() {
      await Promise.all([detectorSession.session.release(), model.close()]);
    },
  };
}

function readKeypoints(raw: Float32Array, index: number, placement: CropPlacement, width: number, height: number): Keypoint[] {
  const base = index * SINGLE_POSE_VALUES;
  const out: Keypoint[] = [];
  for (let k = 0; k < KEYPOINT_COUNT; k++) {
    const o = base + 3 * k;
    out.push(mapKeypoint(raw[o]!, raw[o + 1]!, raw[o + 2]!, placement, width, height));
  }
  return out;
}

function toOrtTensor(data: Float32Array | Uint8Array, dims: number[]): ort.Tensor {
  return data instanceof Float32Array ? new ort.Tensor('float32', data, dims) : new ort.Tensor('uint8', data, dims);
}

/** Full-resolution RGB through the shared preprocess: a same-size stretch is a plain decode. */
async function decodeRgb(image: Buffer, width: number, height: number, maxPixels: number): Promise<RgbImage> {
  const spec: InputSpec = {
    name: 'rgb', width, height, resize: 'stretch', padValue: 0,
    channelOrder: 'RGB', layout: 'NHWC', dtype: 'uint8', scale: 1,
  };
  const { tensor } = await preprocess(image, spec, { maxPixels });
  return { data: Buffer.from(tensor.buffer, tensor.byteOffset, tensor.byteLength), width, height };
}
