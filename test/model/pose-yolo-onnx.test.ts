/**
 * The single-stage path end to end through onnxruntime, on a synthetic
 * YOLO-pose graph the test builds: its [1, 56, N] output is a known table of
 * people whose scores are scaled by the mean input brightness, so the test
 * also proves the pixels reach the model.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { OnnxGraphBuilder } from '../../model/onnx/graph.js';
import { createPoseEstimator, KEYPOINT_COUNT, type PoseEstimator } from '../../model/pose/index.js';
import { YOLO_POSE_CHANNELS } from '../../model/pose/yolo-pose-decode.js';

const SIZE = 64;
const ANCHORS = 4;

/** Rows of [cx, cy, w, h, score, 17 × (x, y, v)] in 64×64 input pixels. */
function person(cx: number, cy: number, w: number, h: number, score: number): number[] {
  const kps = Array.from({ length: KEYPOINT_COUNT }, (_, k) => [cx + (k % 2 === 0 ? -w / 4 : w / 4), cy - h / 2 + (h * k) / 16, 0.5 + k / 40]);
  return [cx, cy, w, h, score, ...kps.flat()];
}
const rows = [person(20, 32, 12, 40, 0.9), person(44, 32, 10, 30, 0.8), person(21, 33, 12, 40, 0.6), person(50, 50, 4, 4, 0.05)];

function buildModel(): Uint8Array {
  const base = new Float32Array(YOLO_POSE_CHANNELS * ANCHORS);
  const scores = new Float32Array(YOLO_POSE_CHANNELS * ANCHORS);
  rows.forEach((row, i) =>
    row.forEach((v, c) => {
      (c === 4 ? scores : base)[c * ANCHORS + i] = v;
    }),
  );
  return new OnnxGraphBuilder('synthetic_yolo_pose')
    .input('images', [1, 3, SIZE, SIZE])
    .initializer('base', base, [1, YOLO_POSE_CHANNELS, ANCHORS])
    .initializer('scores', scores, [1, YOLO_POSE_CHANNELS, ANCHORS])
    .int64('shape', [1, 1, 1])
    .node('ReduceMean', ['images'], ['mean4'], { axes: [1, 2, 3], keepdims: 1 })
    .node('Reshape', ['mean4', 'shape'], ['mean'])
    .node('Mul', ['scores', 'mean'], ['scaled'])
    .node('Add', ['base', 'scaled'], ['output0'])
    .output('output0', [1, YOLO_POSE_CHANNELS, ANCHORS])
    .toBytes();
}

let dir: string;
let estimator: PoseEstimator;

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'pose-yolo-'));
  const modelPath = path.join(dir, 'synthetic-pose.onnx');
  await writeFile(modelPath, buildModel());
  estimator = await createPoseEstimator({ modelPath, minPersonScore: 0.3 });
});

after(async () => {
  await estimator?.close();
  await rm(dir, { recursive: true, force: true });
});

function png(width: number, height: number, grey: number): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: grey, g: grey, b: grey } } }).png().toBuffer();
}

test('a [1, 56, N] model is recognised as single-stage yolo-pose', () => {
  assert.equal(estimator.kind, 'yolo-pose');
});

test('known rows come out as people in image pixels, NMS applied, low scores dropped', async () => {
  // 128×128 white: scale 2, no padding, mean brightness 1 → scores unchanged
  const result = await estimator.estimate(await png(128, 128, 255), { maxPixels: 1e6 });
  assert.equal(result.width, 128);
  assert.equal(result.people.length, 2, 'the 0.6 row overlaps the 0.9 one and the 0.05 row is below threshold');
  const [a, b] = result.people;
  assert.ok(a && b);
  assert.ok(Math.abs(a.probability - 0.9) < 1e-4);
  assert.ok(Math.abs(b.probability - 0.8) < 1e-4);
  assert.deepEqual(a.box, { x: 28, y: 24, width: 24, height: 80 });
  assert.deepEqual(b.box, { x: 78, y: 34, width: 20, height: 60 });
  const expected = rows[0]!;
  a.keypoints.forEach(([x, y, v], k) => {
    assert.ok(Math.abs(x - expected[5 + 3 * k]! * 2) < 1e-3, `x of keypoint ${k}`);
    assert.ok(Math.abs(y - expected[6 + 3 * k]! * 2) < 1e-3, `y of keypoint ${k}`);
    assert.ok(Math.abs(v - expected[7 + 3 * k]!) < 1e-4, `confidence of keypoint ${k}`);
  });
  for (const t of Object.values(result.timings)) assert.ok(t >= 0);
});

test('letterbox padding is undone: a 256×128 image maps the input rows back with scale 4 and 16 px bands', async () => {
  const result = await estimator.estimate(await png(256, 128, 255), { maxPixels: 1e6 });
  const [a] = result.people;
  assert.ok(a);
  // cy 32 in the input → (32 - 16) × 4 = 64 in the image
  const nose = a.keypoints[0]!;
  assert.ok(Math.abs(nose[0] - (20 - 3) * 4) < 1e-3);
  assert.ok(Math.abs(nose[1] - Math.max(0, (12 - 16) * 4)) < 1e-3, 'a keypoint in the padding is clamped to the image');
  // the pad (114 grey) halves the brightness part of the score: 0.9 × (0.5 + 0.5 × 114/255)
  assert.ok(Math.abs(a.probability - 0.9 * (0.5 + (0.5 * 114) / 255)) < 1e-3);
});

test('a black image scores nobody: the pixels reach the model', async () => {
  const result = await estimator.estimate(await png(64, 64, 0), { maxPixels: 1e6 });
  assert.deepEqual(result.people, []);
});

test('images above maxPixels are rejected before inference', async () => {
  await assert.rejects(estimator.estimate(await png(200, 200, 255), { maxPixels: 10_000 }), { name: 'ImageError' });
});
