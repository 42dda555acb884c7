/**
 * The top-down pipeline end to end through onnxruntime on two synthetic
 * graphs the test builds: a yolov8-shaped detector that always reports two
 * known people, and a MoveNet-shaped keypoint model whose keypoints are fixed
 * positions in its input and whose scores are the crop's mean brightness.
 * Known boxes in → keypoints at known image positions out, and the scores
 * show which pixels each crop really contained.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { OnnxGraphBuilder } from '../../model/onnx/graph.js';
import { createPoseEstimator, KEYPOINT_COUNT, type PoseEstimator } from '../../model/pose/index.js';
import { createSinglePoseModel, SINGLE_POSE_VALUES } from '../../model/pose/movenet.js';
import { openSession } from '../../model/pose/session.js';
import { detectorGraph } from '../helpers/service-pose.js';

const KP = 192;
const IMAGE = 128; // letterboxed into the 64×64 detector input at scale 0.5, no padding

/** Detector rows in input pixels: cx, cy, w, h, person score. */
const PEOPLE = [
  { cx: 16, cy: 32, w: 8, h: 32, score: 0.9 },
  { cx: 48, cy: 32, w: 8, h: 32, score: 0.8 },
];
/** Keypoint k sits at (y, x) = (0.1 + 0.05 k, 0.3 + 0.025 k) of the crop. */
const kpY = (k: number) => 0.1 + 0.05 * k;
const kpX = (k: number) => 0.3 + 0.025 * k;

/** @param batch a fixed 1, or a symbolic name for a batchable model */
function keypointModel(batch: 1 | string): Uint8Array {
  const base = new Float32Array(KEYPOINT_COUNT * 3);
  const scoreMask = new Float32Array(KEYPOINT_COUNT * 3);
  for (let k = 0; k < KEYPOINT_COUNT; k++) {
    base[3 * k] = kpY(k);
    base[3 * k + 1] = kpX(k);
    scoreMask[3 * k + 2] = 1 / 255;
  }
  return new OnnxGraphBuilder('synthetic_movenet')
    .input('input', [batch, KP, KP, 3], 'uint8')
    .initializer('base', base, [1, 1, KEYPOINT_COUNT, 3])
    .initializer('score_mask', scoreMask, [1, 1, KEYPOINT_COUNT, 3])
    .node('Cast', ['input'], ['pixels'], { to: 1 })
    .node('ReduceMean', ['pixels'], ['mean'], { axes: [1, 2, 3], keepdims: 1 })
    .node('Mul', ['score_mask', 'mean'], ['scores'])
    .node('Add', ['base', 'scores'], ['keypoints'])
    .output('keypoints', [batch, 1, KEYPOINT_COUNT, 3])
    .toBytes();
}

/**
 * Black 128×128 image. Person 1's box (24..40 × 32..96 in the image) is
 * white; person 2's box (88..104) stays black, but a white bar sits just
 * left of it, inside its square crop window yet outside the box margin.
 */
async function image(): Promise<Buffer> {
  const white = (width: number, height: number) => ({ create: { width, height, channels: 3 as const, background: '#fff' } });
  return sharp({ create: { width: IMAGE, height: IMAGE, channels: 3, background: '#000' } })
    .composite([
      { input: await sharp(white(16, 64)).png().toBuffer(), left: 24, top: 32 },
      { input: await sharp(white(10, 64)).png().toBuffer(), left: 70, top: 32 },
    ])
    .png()
    .toBuffer();
}

let dir: string;
let estimator: PoseEstimator;
let picture: Buffer;

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'pose-topdown-'));
  await writeFile(path.join(dir, 'detector.onnx'), detectorGraph(PEOPLE));
  await writeFile(path.join(dir, 'movenet.onnx'), keypointModel(1));
  await writeFile(path.join(dir, 'movenet-batch.onnx'), keypointModel('batch'));
  estimator = await createPoseEstimator({
    modelPath: path.join(dir, 'movenet.onnx'),
    detectorPath: path.join(dir, 'detector.onnx'),
  });
  picture = await image();
});

after(async () => {
  await estimator?.close();
  await rm(dir, { recursive: true, force: true });
});

test('a uint8 [1, S, S, 3] → [1, 1, 17, 3] model with a detector runs top-down', () => {
  assert.equal(estimator.kind, 'top-down');
});

test('each person gets the crop keypoints mapped back into the image, best person first', async () => {
  const result = await estimator.estimate(picture, { maxPixels: 1e6 });
  assert.equal(result.width, IMAGE);
  assert.equal(result.people.length, 2);
  result.people.forEach((person, i) => {
    const p = PEOPLE[i]!;
    assert.deepEqual(person.box, { x: (p.cx - p.w / 2) * 2, y: (p.cy - p.h / 2) * 2, width: p.w * 2, height: p.h * 2 });
    assert.ok(Math.abs(person.probability - p.score) < 1e-6);
    // the square crop window: centred on the box, side 1.25 × its longer side
    const side = 1.25 * p.h * 2;
    const left = p.cx * 2 - side / 2;
    const top = p.cy * 2 - side / 2;
    assert.equal(person.keypoints.length, KEYPOINT_COUNT);
    person.keypoints.forEach(([x, y], k) => {
      // rounding the crop to whole pixels costs at most a pixel or so
      assert.ok(Math.abs(x - (left + kpX(k) * side)) < 1, `person ${i} keypoint ${k} x=${x}`);
      assert.ok(Math.abs(y - (top + kpY(k) * side)) < 1, `person ${i} keypoint ${k} y=${y}`);
    });
  });
});

test('crops show the person and black out neighbours outside the box margin', async () => {
  const [lit, dark] = (await estimator.estimate(picture, { maxPixels: 1e6 })).people;
  // person 1's white 16×64 box fills (16 × 64) / 80² = 0.16 of its 80 px crop window
  for (const [, , score] of lit!.keypoints) assert.ok(score > 0.1 && score < 0.25, `lit score ${score}`);
  // the white bar next to person 2 is inside its window but was masked out
  for (const [, , score] of dark!.keypoints) assert.equal(score, 0);
});

test('maxPeople bounds the people per image, keeping the most confident', async () => {
  const bounded = await createPoseEstimator({
    modelPath: path.join(dir, 'movenet.onnx'),
    detectorPath: path.join(dir, 'detector.onnx'),
    maxPeople: 1,
  });
  try {
    const result = await bounded.estimate(picture, { maxPixels: 1e6 });
    assert.deepEqual(result.people.map((p) => p.probability.toFixed(2)), ['0.90']);
  } finally {
    await bounded.close();
  }
});

test('concurrent calls are served one after another with the same results', async () => {
  const [a, b] = await Promise.all([
    estimator.estimate(picture, { maxPixels: 1e6 }),
    estimator.estimate(picture, { maxPixels: 1e6 }),
  ]);
  assert.deepEqual(a.people, b.people);
});

test('option and model errors are one clear line', async () => {
  await assert.rejects(createPoseEstimator({ modelPath: path.join(dir, 'movenet.onnx') }), /pass detectorPath/);
  await assert.rejects(createPoseEstimator({ modelPath: path.join(dir, 'detector.onnx') }), /is not a pose model/);
  await assert.rejects(createPoseEstimator({ modelPath: '', maxPeople: 0 }), /invalid pose estimator options: modelPath: .*; maxPeople: /);
  await assert.rejects(createPoseEstimator({ modelPath: path.join(dir, 'missing.onnx') }), /cannot load ONNX model/);
});

test('an undecodable image is an ImageError', async () => {
  await assert.rejects(estimator.estimate(Buffer.from('not an image'), { maxPixels: 1e6 }), { name: 'ImageError' });
});

test('a keypoint model with a symbolic batch runs several crops at once, each with its own output', async () => {
  const model = createSinglePoseModel(await openSession(path.join(dir, 'movenet-batch.onnx'), 1), 4);
  try {
    assert.equal(model.maxBatch, 4);
    const crop = KP * KP * 3;
    const pixels = new Uint8Array(3 * crop);
    pixels.fill(255, crop, 2 * crop); // crops: black, white, black
    const out = await model.run(pixels, 3);
    assert.equal(out.length, 3 * SINGLE_POSE_VALUES);
    const score = (i: number) => out[i * SINGLE_POSE_VALUES + 2]!;
    assert.deepEqual([score(0), score(1), score(2)], [0, 1, 0]);
  } finally {
    await model.close();
  }
});

test('batched top-down gives the same people as one crop at a time', async () => {
  const batched = await createPoseEstimator({
    modelPath: path.join(dir, 'movenet-batch.onnx'),
    detectorPath: path.join(dir, 'detector.onnx'),
    maxBatch: 2,
  });
  try {
    const [one, two] = await Promise.all([
      estimator.estimate(picture, { maxPixels: 1e6 }),
      batched.estimate(picture, { maxPixels: 1e6 }),
    ]);
    assert.deepEqual(two.people, one.people);
  } finally {
    await batched.close();
  }
});

test('a fixed-batch keypoint model runs one crop per call', async () => {
  const model = createSinglePoseModel(await openSession(path.join(dir, 'movenet.onnx'), 1), 4);
  try {
    assert.equal(model.maxBatch, 1);
    await assert.rejects(model.run(new Uint8Array(2 * KP * KP * 3), 2), /do not fit batch 1/);
  } finally {
    await model.close();
  }
});
