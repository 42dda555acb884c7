import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { drawPose, poseSvg, toPoseResponse, KEYPOINT_COUNT, SKELETON_EDGES, type PoseResult } from '../../model/pose/index.js';

/** One upright stick figure in a 200×300 image; keypoint 9 (left wrist) is not confident. */
function figure(): PoseResult {
  const keypoints = Array.from({ length: KEYPOINT_COUNT }, (_, k): [number, number, number] => [
    k === 0 ? 100 : k % 2 === 1 ? 120 : 80,
    40 + k * 14,
    k === 9 ? 0.1 : 0.9,
  ]);
  return {
    width: 200,
    height: 300,
    people: [{ box: { x: 50, y: 20, width: 100, height: 260 }, probability: 0.9, keypoints }],
    timings: { preprocessMs: 0, inferenceMs: 0, postprocessMs: 0 },
  };
}

async function pixel(jpeg: Buffer, x: number, y: number): Promise<[number, number, number]> {
  const { data, info } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
  const o = (y * info.width + x) * info.channels;
  return [data[o]!, data[o + 1]!, data[o + 2]!];
}

test('poseSvg draws the box, every confident limb and joint, and skips unconfident ones', () => {
  const svg = poseSvg(figure(), 200, 300);
  assert.equal((svg.match(/<rect /g) ?? []).length, 1);
  assert.equal((svg.match(/<circle /g) ?? []).length, KEYPOINT_COUNT - 1);
  const limbsWithoutWrist = SKELETON_EDGES.filter(([a, b]) => a !== 9 && b !== 9).length;
  assert.equal((svg.match(/<line /g) ?? []).length, limbsWithoutWrist);
  assert.match(svg, /^<svg [^>]*width="200" height="300"/);
});

test('drawPose returns a JPEG of the image size with the box drawn on it', async () => {
  const grey = await sharp({ create: { width: 200, height: 300, channels: 3, background: '#808080' } }).jpeg().toBuffer();
  const out = await drawPose(grey, figure());
  const meta = await sharp(out).metadata();
  assert.equal(meta.format, 'jpeg');
  assert.deepEqual([meta.width, meta.height], [200, 300]);
  const [r, g, b] = await pixel(out, 50, 150);
  assert.ok(g > r + 80 && g > b + 80, `box edge should be green, got ${r},${g},${b}`);
  const [gr, gg, gb] = await pixel(out, 10, 10);
  assert.ok(Math.abs(gr - 128) < 10 && Math.abs(gg - 128) < 10 && Math.abs(gb - 128) < 10, 'background untouched');
});

test('drawPose follows EXIF orientation, like the coordinates it is given', async () => {
  // stored 300×200 with orientation 6 (rotate 90° clockwise) → displayed 200×300
  const stored = await sharp({ create: { width: 300, height: 200, channels: 3, background: '#808080' } })
    .withMetadata({ orientation: 6 })
    .jpeg()
    .toBuffer();
  const out = await drawPose(stored, figure());
  const meta = await sharp(out).metadata();
  assert.deepEqual([meta.width, meta.height], [200, 300]);
  const [r, g, b] = await pixel(out, 50, 150);
  assert.ok(g > r + 80 && g > b + 80, `box edge should be green, got ${r},${g},${b}`);
});

test('toPoseResponse lays a result out as the pose endpoint body', () => {
  const result = figure();
  result.timings = { preprocessMs: 1.5, inferenceMs: 20, postprocessMs: 0.25 };
  const body = toPoseResponse('req-7', result);
  assert.deepEqual(Object.keys(body).sort(), ['boxes', 'count', 'id', 'keypoints', 'speed_inference', 'speed_postprocess', 'speed_preprocess']);
  assert.equal(body.id, 'req-7');
  assert.equal(body.count, 1);
  assert.deepEqual(body.boxes, [{ x: 50, y: 20, width: 100, height: 260, probability: 0.9 }]);
  assert.deepEqual(body.keypoints, [result.people[0]!.keypoints]);
  assert.deepEqual([body.speed_preprocess, body.speed_inference, body.speed_postprocess], [1.5, 20, 0.25]);
});
