import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FAMILIES } from '../../model/families/index.js';
import { yoloxGrid, yoloxRowCount } from '../../model/families/yolox.js';
import type { FamilyConfig } from '../../model/families/index.js';

const CLASSES = 80;
const labels = Array.from({ length: CLASSES }, (_, i) => `c${i}`);

function config(width: number, height: number, outputName: string): FamilyConfig {
  return { inputName: 'images', outputName, width, height, labels };
}

test('darknet-yolo: score is objectness × best class, boxes pass through in input pixels', () => {
  const fam = FAMILIES['darknet-yolo'].create(config(416, 416, 'detections'));
  const rows = 6;
  const cols = 5 + CLASSES;
  const data = new Float32Array(rows * cols);
  const put = (r: number, box: number[], obj: number, cls: number, p: number) => {
    data.set(box, r * cols);
    data[r * cols + 4] = obj;
    data[r * cols + 5 + cls] = p;
  };
  put(1, [100, 120, 40, 60], 0.9, 16, 0.8);
  put(3, [10, 20, 5, 6], 0.2, 3, 1.0);
  put(4, [200, 210, 30, 30], 0.95, 7, 0.3);
  const out = fam.decode({ data, dims: [1, rows, cols] }, 0.25);
  assert.equal(out.length, 2);
  const [a, b] = out;
  assert.deepEqual({ ...a, score: Number(a!.score.toFixed(4)) }, { cx: 100, cy: 120, w: 40, h: 60, score: 0.72, classId: 16 });
  assert.equal(b!.classId, 7);
  assert.ok(Math.abs(b!.score - 0.285) < 1e-6);
  assert.equal(fam.input.resize, 'stretch');
  assert.equal(fam.input.channelOrder, 'RGB');
  assert.equal(fam.input.scale, 1 / 255);
});

test('yolov8: channel-first [1, 84, N] without objectness', () => {
  const fam = FAMILIES.yolov8.create(config(640, 640, 'output0'));
  const n = 10;
  const data = new Float32Array(84 * n);
  const put = (i: number, box: number[], cls: number, p: number) => {
    box.forEach((v, k) => (data[k * n + i] = v));
    data[(4 + cls) * n + i] = p;
  };
  put(2, [320, 300, 100, 50], 0, 0.91);
  put(9, [10, 10, 4, 4], 79, 0.5);
  put(5, [1, 1, 1, 1], 3, 0.1);
  const out = fam.decode({ data, dims: [1, 84, n] }, 0.25);
  assert.equal(out.length, 2);
  assert.deepEqual(out[0], { cx: 320, cy: 300, w: 100, h: 50, score: out[0]!.score, classId: 0 });
  assert.ok(Math.abs(out[0]!.score - 0.91) < 1e-6);
  assert.equal(out[1]!.classId, 79);
  assert.equal(fam.input.resize, 'letterbox-center');
  assert.equal(fam.input.padValue, 114);
});

test('yolox: grid rows run stride 8, 16, 32, each row-major', () => {
  assert.equal(yoloxRowCount(416, 416), 3549);
  assert.equal(yoloxRowCount(640, 480), 80 * 60 + 40 * 30 + 20 * 15);
  const grid = yoloxGrid(64, 32);
  assert.equal(grid.rows, 8 * 4 + 4 * 2 + 2 * 1);
  const cell = (r: number) => Array.from(grid.cells.subarray(r * 3, r * 3 + 3));
  assert.deepEqual(cell(0), [0, 0, 8]);
  assert.deepEqual(cell(9), [1, 1, 8]);
  assert.deepEqual(cell(32), [0, 0, 16]);
  assert.deepEqual(cell(39), [3, 1, 16]);
  assert.deepEqual(cell(41), [1, 0, 32]);
});

test('yolox: decodes (offset + cell) × stride and exp(size) × stride', () => {
  const width = 64;
  const height = 32;
  const fam = FAMILIES.yolox.create(config(width, height, 'output'));
  const rows = yoloxRowCount(width, height);
  const cols = 85;
  const data = new Float32Array(rows * cols);
  // Row 39 is cell (3, 1) of stride 16.
  data.set([0.5, 0.25, Math.log(2), 0, 0.8], 39 * cols);
  data[39 * cols + 5 + 22] = 0.5;
  data.set([0.1, 0.1, 0, 0, 0.9], 0);
  data[5 + 1] = 0.1;
  const out = fam.decode({ data, dims: [1, rows, cols] }, 0.3);
  assert.equal(out.length, 1);
  const [c] = out;
  assert.ok(c);
  assert.ok(Math.abs(c.cx - 3.5 * 16) < 1e-5);
  assert.ok(Math.abs(c.cy - 1.25 * 16) < 1e-5);
  assert.ok(Math.abs(c.w - 32) < 1e-5);
  assert.ok(Math.abs(c.h - 16) < 1e-5);
  assert.ok(Math.abs(c.score - 0.4) < 1e-6);
  assert.equal(c.classId, 22);
  assert.equal(fam.input.channelOrder, 'BGR');
  assert.equal(fam.input.scale, 1);
  assert.equal(fam.input.resize, 'letterbox-topleft');
});

test('decoders reject outputs of the wrong shape with a clear message', () => {
  const yolox = FAMILIES.yolox.create(config(416, 416, 'output'));
  assert.throws(() => yolox.decode({ data: new Float32Array(85 * 10), dims: [1, 10, 85] }, 0.3), /10 output rows do not match the 3549 grid cells/);
  const v8 = FAMILIES.yolov8.create(config(640, 640, 'output0'));
  assert.throws(() => v8.decode({ data: new Float32Array(84), dims: [84, 1] }, 0.3), /expected an output of shape \[1, rows, cols\]/);
  const dark = FAMILIES['darknet-yolo'].create(config(416, 416, 'detections'));
  assert.throws(() => dark.decode({ data: new Float32Array(10), dims: [1, 5, 85] }, 0.3), /holds 10 values/);
});
