/**
 * Top-down pose on the real models (yolov8n int8 detector + MoveNet
 * Lightning int8) and real photos, against expectations checked by eye on
 * the annotated images: people counted, joints in anatomical order, every
 * keypoint on its own person, left and right the right way round.
 * Skips when ../shared (models and photos, not in git) is absent.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { createPoseEstimator, keypointIndex, type KeypointName, type PosePerson, type PoseEstimator } from '../../model/pose/index.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const shared = path.resolve(repoRoot, '../shared');
const modelPath = path.join(shared, 'model/movenet_singlepose_lightning_int8.onnx');
const detectorPath = path.join(shared, 'model/yolov8n_int8.onnx');
const missing = [modelPath, detectorPath].find((f) => !existsSync(f));
const skip = missing ? `${missing} is absent (the shared models are not in git)` : false;

const photo = (rel: string) => readFile(path.join(shared, rel));
const MAX_PIXELS = 40_000_000;

let estimator: PoseEstimator;
before(async () => {
  if (!skip) estimator = await createPoseEstimator({ modelPath, detectorPath, intraOpThreads: 2 });
});
after(async () => {
  await estimator?.close();
});

function kp(person: PosePerson, name: KeypointName): [number, number, number] {
  return person.keypoints[keypointIndex(name)]!;
}
const meanY = (p: PosePerson, a: KeypointName, b: KeypointName) => (kp(p, a)[1] + kp(p, b)[1]) / 2;

/** Nose above shoulders above hips above ankles. */
function assertUpright(p: PosePerson, who: string): void {
  const nose = kp(p, 'nose')[1];
  const shoulders = meanY(p, 'left_shoulder', 'right_shoulder');
  const hips = meanY(p, 'left_hip', 'right_hip');
  const ankles = meanY(p, 'left_ankle', 'right_ankle');
  assert.ok(nose < shoulders && shoulders < hips && hips < ankles, `${who}: nose ${nose} shoulders ${shoulders} hips ${hips} ankles ${ankles}`);
}

/** Every keypoint on the person: inside the box, allowing the 10% margin the crop shows. */
function assertInBox(p: PosePerson, who: string): void {
  const { x, y, width, height } = p.box;
  p.keypoints.forEach(([kx, ky], k) => {
    const inside = kx >= x - 0.1 * width && kx <= x + 1.1 * width && ky >= y - 0.1 * height && ky <= y + 1.1 * height;
    assert.ok(inside, `${who}: keypoint ${k} (${kx.toFixed(1)}, ${ky.toFixed(1)}) outside box ${JSON.stringify(p.box)}`);
  });
}

function assertWellFormed(people: PosePerson[], file: string): void {
  people.forEach((p, i) => {
    assert.equal(p.keypoints.length, 17);
    for (const [, , s] of p.keypoints) assert.ok(s >= 0 && s <= 1);
    assertUpright(p, `${file} person ${i}`);
    assertInBox(p, `${file} person ${i}`);
  });
}

test('person.jpg: the one person (seen from behind) is found, head on top, feet on the ground', { skip }, async () => {
  const result = await estimator.estimate(await photo('samples/person.jpg'), { maxPixels: MAX_PIXELS });
  assert.deepEqual([result.width, result.height], [640, 424]);
  assert.equal(result.people.length, 1, 'the dog and the horse are not people');
  const [p] = result.people;
  assertWellFormed(result.people, 'person.jpg');
  // checked by eye: the head is at about x 215-260, y 100-145; the boots end near y 370
  const [nx, ny] = kp(p!, 'nose');
  assert.ok(nx > 215 && nx < 260 && ny > 100 && ny < 145, `nose at ${nx}, ${ny}`);
  assert.ok(meanY(p!, 'left_ankle', 'right_ankle') > 330);
  // seen from behind, the person's left is on the image's left
  assert.ok(kp(p!, 'left_shoulder')[0] < kp(p!, 'right_shoulder')[0]);
});

test('000000340604: the woman facing the camera, nose on her face, left on the image right', { skip }, async () => {
  const result = await estimator.estimate(await photo('inputfolder/000000340604.jpg'), { maxPixels: MAX_PIXELS });
  assert.equal(result.people.length, 1);
  assertWellFormed(result.people, '340604');
  const p = result.people[0]!;
  const [nx, ny] = kp(p, 'nose');
  assert.ok(nx > 186 && nx < 251 && ny > 112 && ny < 186, `nose at ${nx}, ${ny}`);
  assert.ok(kp(p, 'left_shoulder')[0] > kp(p, 'right_shoulder')[0]);
  assert.ok(kp(p, 'left_eye')[0] > kp(p, 'right_eye')[0]);
});

test('000000050042: the tennis player and the line judge', { skip }, async () => {
  const result = await estimator.estimate(await photo('inputfolder/000000050042.jpg'), { maxPixels: MAX_PIXELS });
  assert.equal(result.people.length, 2);
  assertWellFormed(result.people, '050042');
});

test('000000139491: all 9 people on the field, including the overlapping group', { skip }, async () => {
  const result = await estimator.estimate(await photo('inputfolder/000000139491.jpg'), { maxPixels: MAX_PIXELS });
  assert.equal(result.people.length, 9);
  assertWellFormed(result.people, '139491');
  const scores = result.people.map((p) => p.probability);
  assert.deepEqual(scores, [...scores].sort((a, b) => b - a), 'best person first');
  for (const t of Object.values(result.timings)) assert.ok(t > 0);
});

test('a crowd is bounded: a 4×4 mosaic of 000000139491 yields at most maxPeople people', { skip }, async () => {
  const tile = await photo('inputfolder/000000139491.jpg');
  const { width, height } = await sharp(tile).metadata();
  const mosaic = await sharp({ create: { width: width * 4, height: height * 4, channels: 3, background: '#000' } })
    .composite(Array.from({ length: 16 }, (_, i) => ({ input: tile, left: (i % 4) * width, top: Math.floor(i / 4) * height })))
    .jpeg()
    .toBuffer();
  const bounded = await createPoseEstimator({ modelPath, detectorPath, maxPeople: 12 });
  try {
    const result = await bounded.estimate(mosaic, { maxPixels: MAX_PIXELS });
    assert.equal(result.people.length, 12);
    result.people.forEach((p, i) => assertInBox(p, `mosaic person ${i}`));
  } finally {
    await bounded.close();
  }
});
