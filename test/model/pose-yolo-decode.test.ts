import { test } from 'node:test';
import assert from 'node:assert/strict';
import { placementFor, type InputSpec } from '../../model/families/index.js';
import { decodeYoloPose, YOLO_POSE_CHANNELS, type PoseCandidate } from '../../model/pose/yolo-pose-decode.js';
import { toPeople } from '../../model/pose/yolo-pose-people.js';
import { KEYPOINT_COUNT } from '../../model/pose/types.js';

/** A person candidate whose keypoints are spread over its box in a recognisable pattern. */
function person(cx: number, cy: number, w: number, h: number, score: number): PoseCandidate {
  const keypoints = Array.from({ length: KEYPOINT_COUNT }, (_, k): [number, number, number] => [
    cx - w / 2 + (w * (k % 3)) / 2,
    cy - h / 2 + (h * k) / (KEYPOINT_COUNT - 1),
    (k + 1) / (KEYPOINT_COUNT + 1),
  ]);
  return { cx, cy, w, h, score, keypoints };
}

function rowOf(c: PoseCandidate): number[] {
  return [c.cx, c.cy, c.w, c.h, c.score, ...c.keypoints.flat()];
}

/** Packs candidates as the exported head does: [1, 56, N] (or transposed). */
function encode(cands: PoseCandidate[], channelMajor: boolean) {
  const n = cands.length;
  const data = new Float32Array(n * YOLO_POSE_CHANNELS);
  cands.forEach((c, i) =>
    rowOf(c).forEach((v, ch) => {
      data[channelMajor ? ch * n + i : i * YOLO_POSE_CHANNELS + ch] = v;
    }),
  );
  return { data, dims: channelMajor ? [1, YOLO_POSE_CHANNELS, n] : [1, n, YOLO_POSE_CHANNELS] };
}

function close(actual: number[], expected: number[], eps = 1e-3) {
  assert.equal(actual.length, expected.length);
  actual.forEach((a, i) => assert.ok(Math.abs(a - (expected[i] as number)) < eps, `index ${i}: ${a} vs ${expected[i]}`));
}

const people = [person(100, 200, 60, 180, 0.9), person(400, 300, 80, 200, 0.6), person(50, 50, 10, 10, 0.1)];

for (const channelMajor of [true, false]) {
  test(`decodeYoloPose reads every field (${channelMajor ? '[1,56,N]' : '[1,N,56]'}) and drops low scores`, () => {
    const out = decodeYoloPose(encode(people, channelMajor), 0.25);
    assert.equal(out.length, 2);
    out.forEach((c, i) => close(rowOf(c), rowOf(people[i] as PoseCandidate)));
  });
}

test('decodeYoloPose rejects shapes that are not a pose head', () => {
  assert.throws(() => decodeYoloPose({ data: new Float32Array(84 * 10), dims: [1, 84, 10] }, 0.5), /yolo-pose output must be/);
  assert.throws(() => decodeYoloPose({ data: new Float32Array(56 * 9), dims: [1, 56, 10] }, 0.5), /expected 560/);
});

const spec: InputSpec = {
  name: 'images', width: 640, height: 640, resize: 'letterbox-center', padValue: 114,
  channelOrder: 'RGB', layout: 'NCHW', dtype: 'float32', scale: 1 / 255,
};

test('toPeople undoes the letterbox for boxes and keypoints', () => {
  // 1280×640 image → scale 0.5, 160 px of padding above and below
  const placement = placementFor(1280, 640, spec);
  assert.equal(placement.padY, 160);
  const [p] = toPeople([person(320, 320, 100, 200, 0.8)], placement, { iouThreshold: 0.45, maxPeople: 10 });
  assert.ok(p);
  assert.deepEqual(p.box, { x: 540, y: 120, width: 200, height: 400 });
  assert.equal(p.probability, 0.8);
  const nose = p.keypoints[0] as [number, number, number];
  close(nose, [540, 120, 1 / 18]);
  const lastAnkle = p.keypoints[16] as [number, number, number];
  close(lastAnkle, [(320 - 50 + 50) * 2, (420 - 160) * 2, 17 / 18]);
});

test('toPeople suppresses overlapping people, keeps the best one with its own keypoints, and bounds the count', () => {
  const placement = placementFor(640, 640, spec);
  const best = person(200, 200, 100, 200, 0.9);
  const shadow = person(205, 205, 100, 200, 0.5);
  shadow.keypoints = shadow.keypoints.map(([x, y]) => [x, y, 0.01]);
  const others = [person(500, 300, 50, 100, 0.7), person(400, 500, 50, 100, 0.6), person(50, 500, 50, 100, 0.3)];
  const all = toPeople([shadow, ...others, best], placement, { iouThreshold: 0.45, maxPeople: 10 });
  assert.deepEqual(all.map((p) => p.probability), [0.9, 0.7, 0.6, 0.3]);
  assert.ok(all[0]?.keypoints.every(([, , s]) => s > 0.01));
  const bounded = toPeople([shadow, ...others, best], placement, { iouThreshold: 0.45, maxPeople: 2 });
  assert.deepEqual(bounded.map((p) => p.probability), [0.9, 0.7]);
});
