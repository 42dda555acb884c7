/**
 * A pose model pair the tests build themselves with the project's ONNX
 * graph builder, so the pose endpoints are tested without ../shared: a
 * yolov8-shaped detector that always reports the given people, and a
 * MoveNet-shaped keypoint model that puts keypoint k at a fixed place in
 * its crop. Plus an app serving the pose task, and a gated pose model.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { OnnxGraphBuilder } from '../../model/onnx/graph.js';
import { KEYPOINT_COUNT } from '../../model/pose/index.js';
import type { AppOptions } from '../../service/app.js';
import type { Detector } from '../../service/detector.js';
import type { PoseModel } from '../../service/pose.js';
import { poseTask, type PoseTask } from '../../service/routes/pose.js';
import { startApp, type Running } from './service.js';

/** Detector input side; a square image of side 2 × DET_SIZE maps onto it at scale 0.5 without padding. */
export const DET_SIZE = 64;
const KP_SIZE = 192;

/** A person as the synthetic detector reports it, in detector-input pixels. */
export interface SyntheticPerson {
  cx: number;
  cy: number;
  w: number;
  h: number;
  score: number;
}

/** Keypoint k sits at (x, y) = (0.3 + 0.025 k, 0.1 + 0.05 k) of its crop. */
export const keypointInCrop = (k: number): { x: number; y: number } => ({ x: 0.3 + 0.025 * k, y: 0.1 + 0.05 * k });

/** A yolov8-shaped person detector (DET_SIZE input) that always answers `people`, in input pixels. */
export function detectorGraph(people: readonly SyntheticPerson[]): Uint8Array {
  const channels = 84;
  const rows = new Float32Array(channels * people.length);
  people.forEach((p, i) => {
    [p.cx, p.cy, p.w, p.h, p.score].forEach((v, c) => {
      rows[c * people.length + i] = v;
    });
  });
  // The constant rows are added to 0 × mean(input), so the graph depends on its input as a real one does.
  return new OnnxGraphBuilder('synthetic_person_detector')
    .input('images', [1, 3, DET_SIZE, DET_SIZE])
    .initializer('rows', rows, [1, channels, people.length])
    .initializer('zero', new Float32Array([0]), [1])
    .node('ReduceMean', ['images'], ['mean'], { axes: [1, 2, 3], keepdims: 0 })
    .node('Mul', ['mean', 'zero'], ['nothing'])
    .node('Add', ['rows', 'nothing'], ['output0'])
    .output('output0', [1, channels, people.length])
    .toBytes({ 'clouddetect.family': 'yolov8' });
}

/** MoveNet's contract: uint8 [1, 192, 192, 3] → [1, 1, 17, (y, x, score)]; score 0.8 for every keypoint. */
function keypointGraph(): Uint8Array {
  const fixed = new Float32Array(KEYPOINT_COUNT * 3);
  for (let k = 0; k < KEYPOINT_COUNT; k++) {
    const { x, y } = keypointInCrop(k);
    fixed.set([y, x, 0.8], 3 * k);
  }
  return new OnnxGraphBuilder('synthetic_movenet')
    .input('input', [1, KP_SIZE, KP_SIZE, 3], 'uint8')
    .initializer('fixed', fixed, [1, 1, KEYPOINT_COUNT, 3])
    .initializer('zero', new Float32Array([0]), [1])
    .node('Cast', ['input'], ['pixels'], { to: 1 })
    .node('ReduceMean', ['pixels'], ['mean'], { axes: [1, 2, 3], keepdims: 1 })
    .node('Mul', ['mean', 'zero'], ['nothing'])
    .node('Add', ['fixed', 'nothing'], ['keypoints'])
    .output('keypoints', [1, 1, KEYPOINT_COUNT, 3])
    .toBytes();
}

export interface SyntheticPoseModels {
  modelPath: string;
  detectorPath: string;
}

/** Writes the pair into `dir` (file names prefixed by `name`). */
export async function writeSyntheticPoseModels(dir: string, people: readonly SyntheticPerson[], name = 'pose'): Promise<SyntheticPoseModels> {
  const modelPath = join(dir, `${name}-movenet.onnx`);
  const detectorPath = join(dir, `${name}-detector.onnx`);
  await writeFile(modelPath, keypointGraph());
  await writeFile(detectorPath, detectorGraph(people));
  return { modelPath, detectorPath };
}

/** Where a synthetic person's box and keypoints land in a square image of side 2 × DET_SIZE. */
export function expectedPerson(p: SyntheticPerson): { box: { x: number; y: number; width: number; height: number }; keypoints: Array<[number, number]> } {
  const box = { x: (p.cx - p.w / 2) * 2, y: (p.cy - p.h / 2) * 2, width: p.w * 2, height: p.h * 2 };
  // model/pose's top-down crop: a square window 1.25 × the longer box side, centred on the box.
  const side = 1.25 * Math.max(box.width, box.height);
  const left = p.cx * 2 - side / 2;
  const top = p.cy * 2 - side / 2;
  const keypoints = Array.from({ length: KEYPOINT_COUNT }, (_, k): [number, number] => {
    const { x, y } = keypointInCrop(k);
    return [left + x * side, top + y * side];
  });
  return { box, keypoints };
}

/** A pose model whose estimates wait until open() is called; counts the estimates started. */
export function gatedPoseModel(inner: PoseModel): { model: PoseModel; open: () => void; started: () => number } {
  let opened = false;
  let started = 0;
  const waiters: Array<() => void> = [];
  return {
    model: {
      info: inner.info,
      async estimate(image, timings) {
        started += 1;
        if (!opened) await new Promise<void>((r) => waiters.push(r));
        return inner.estimate(image, timings);
      },
      close: () => inner.close(),
    },
    open: () => {
      opened = true;
      for (const w of waiters.splice(0)) w();
    },
    started: () => started,
  };
}

export interface RunningPose extends Running {
  pose: PoseTask;
}

/** An app serving the pose task (and detection only when a detector is given) on a loopback port. */
export async function startPoseApp(pose: PoseModel | undefined, opts: Partial<AppOptions> & { detector?: Detector } = {}): Promise<RunningPose> {
  const { detector, ...appOpts } = opts;
  const task = poseTask(pose);
  return { ...(await startApp(detector, { detection: detector !== undefined, ...appOpts }, [task])), pose: task };
}
