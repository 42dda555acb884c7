import assert from 'node:assert/strict';
import { test } from 'node:test';
import { iou, nms, placementFor, resizedSize, toDetections } from '../../model/families/index.js';
import type { Candidate, InputSpec, Placement, ResizeMode } from '../../model/families/index.js';

function spec(resize: ResizeMode, width = 416, height = 416): InputSpec {
  return { name: 'images', width, height, resize, padValue: 114, channelOrder: 'RGB', layout: 'NCHW', dtype: 'float32', scale: 1 / 255 };
}

/** Original-image box → the candidate a perfect network would emit for it. */
function candidateFor(box: { left: number; top: number; width: number; height: number }, p: Placement, classId = 0, score = 0.9): Candidate {
  return {
    cx: (box.left + box.width / 2) * p.scaleX + p.padX,
    cy: (box.top + box.height / 2) * p.scaleY + p.padY,
    w: box.width * p.scaleX,
    h: box.height * p.scaleY,
    score,
    classId,
  };
}

const opts = { iouThreshold: 0.45, classWise: true };

test('placementFor: stretch scales each axis on its own and never pads', () => {
  const p = placementFor(640, 480, spec('stretch'));
  assert.deepEqual(p, { srcWidth: 640, srcHeight: 480, scaleX: 416 / 640, scaleY: 416 / 480, padX: 0, padY: 0 });
});

test('placementFor: letterbox-center keeps the aspect ratio and pads both sides equally', () => {
  const p = placementFor(640, 480, spec('letterbox-center', 640, 640));
  assert.equal(p.scaleX, 1);
  assert.equal(p.scaleY, 1);
  assert.equal(p.padX, 0);
  assert.equal(p.padY, 80);
  const tall = placementFor(300, 600, spec('letterbox-center'));
  assert.deepEqual(resizedSize(tall), { width: 208, height: 416 });
  assert.equal(tall.padX, 104);
  assert.equal(tall.padY, 0);
});

test('placementFor: letterbox-topleft puts the image at the origin', () => {
  const p = placementFor(768, 576, spec('letterbox-topleft'));
  assert.deepEqual(resizedSize(p), { width: 416, height: 312 });
  assert.equal(p.padX, 0);
  assert.equal(p.padY, 0);
});

test('placementFor: an odd amount of padding puts the extra pixel after the image', () => {
  const p = placementFor(100, 97, spec('letterbox-center', 100, 100));
  assert.equal(resizedSize(p).height, 97);
  assert.equal(p.padY, 1);
});

test('placementFor: a 1-pixel-thin image still gets at least one row', () => {
  const p = placementFor(5000, 1, spec('letterbox-center'));
  assert.deepEqual(resizedSize(p), { width: 416, height: 1 });
  assert.throws(() => placementFor(0, 10, spec('stretch')), /positive/);
});

for (const resize of ['stretch', 'letterbox-center', 'letterbox-topleft'] as const) {
  test(`toDetections maps ${resize} boxes back to the original non-square image`, () => {
    for (const [w, h] of [[640, 427], [333, 800]] as const) {
      const p = placementFor(w, h, spec(resize, 416, 320));
      const truth = { left: 37, top: 52, width: 120, height: 200 };
      const [d] = toDetections([candidateFor(truth, p, 16)], p, ['a'], opts);
      assert.ok(d);
      assert.deepEqual(d.box, truth);
      assert.equal(d.classId, 16);
      assert.equal(d.label, 'class 16', 'a class id past the labels gets a generic name');
    }
  });
}

test('toDetections clips to the image and drops boxes that lie in the padding only', () => {
  const p = placementFor(400, 200, spec('letterbox-center'));
  assert.equal(p.padY, 104);
  const overhang: Candidate = { cx: 10, cy: 208, w: 60, h: 40, score: 0.8, classId: 0 };
  const inPadding: Candidate = { cx: 200, cy: 40, w: 50, h: 50, score: 0.9, classId: 0 };
  const ds = toDetections([overhang, inPadding], p, ['person'], opts);
  assert.equal(ds.length, 1);
  const [d] = ds;
  assert.ok(d);
  assert.equal(d.label, 'person');
  assert.equal(d.box.left, 0);
  assert.ok(d.box.left + d.box.width <= 400);
  assert.ok(d.box.top >= 0 && d.box.top + d.box.height <= 200);
  assert.ok(Number.isInteger(d.box.width) && Number.isInteger(d.box.height));
});

test('toDetections: class-wise NMS keeps overlapping boxes of different classes, global NMS does not', () => {
  const p = placementFor(416, 416, spec('stretch'));
  const cands: Candidate[] = [
    { cx: 100, cy: 100, w: 80, h: 80, score: 0.9, classId: 2 },
    { cx: 102, cy: 101, w: 80, h: 80, score: 0.8, classId: 2 },
    { cx: 101, cy: 100, w: 78, h: 80, score: 0.7, classId: 7 },
    { cx: 300, cy: 300, w: 40, h: 40, score: 0.6, classId: 2 },
  ];
  const labels = ['a', 'b', 'car', 'd', 'e', 'f', 'g', 'truck'];
  const wise = toDetections(cands, p, labels, opts);
  assert.deepEqual(wise.map((d) => [d.label, d.score]), [['car', 0.9], ['truck', 0.7], ['car', 0.6]]);
  const global = toDetections(cands, p, labels, { ...opts, classWise: false });
  assert.deepEqual(global.map((d) => d.score), [0.9, 0.6]);
  const limited = toDetections(cands, p, labels, { ...opts, maxDetections: 1 });
  assert.deepEqual(limited.map((d) => d.score), [0.9]);
});

test('iou and nms on corner boxes', () => {
  const a = { x1: 0, y1: 0, x2: 10, y2: 10, score: 1, classId: 0 };
  const b = { x1: 5, y1: 0, x2: 15, y2: 10, score: 0.5, classId: 0 };
  assert.equal(iou(a, b), 50 / 150);
  assert.equal(iou(a, { ...b, x1: 10 }), 0);
  assert.equal(nms([b, a], 0.3, true).length, 1);
  assert.equal(nms([b, a], 0.4, true).length, 2);
  assert.equal(nms([b, a], 0.3, true)[0], a);
});
