import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mapKeypoint, placeCrop, squareWindow, visibleRegion } from '../../model/pose/crop.js';

const whole = (width: number, height: number) => ({ left: 0, top: 0, width, height });

test('squareWindow is centred on the box with side = margin × longer side', () => {
  const w = squareWindow({ x: 100, y: 50, width: 40, height: 120 }, 1.25);
  assert.equal(w.side, 150);
  assert.equal(w.left + w.side / 2, 120);
  assert.equal(w.top + w.side / 2, 110);
});

test('a window inside the image is cut whole and fills the input', () => {
  const p = placeCrop({ left: 10, top: 20, side: 96 }, whole(640, 480), 192);
  assert.deepEqual(p.extract, { left: 10, top: 20, width: 96, height: 96 });
  assert.deepEqual(p.resized, { width: 192, height: 192 });
  assert.deepEqual(p.offset, { left: 0, top: 0 });
});

test('a window past the top-left corner is clamped and padded on that side', () => {
  // half the window hangs off the left edge, a quarter off the top
  const p = placeCrop({ left: -50, top: -25, side: 100 }, whole(640, 480), 200);
  assert.deepEqual(p.extract, { left: 0, top: 0, width: 50, height: 75 });
  assert.deepEqual(p.offset, { left: 100, top: 50 });
  assert.deepEqual(p.resized, { width: 100, height: 150 });
});

test('a window past the bottom-right corner is clamped and padded there', () => {
  const p = placeCrop({ left: 600, top: 440, side: 80 }, whole(640, 480), 160);
  assert.deepEqual(p.extract, { left: 600, top: 440, width: 40, height: 40 });
  assert.deepEqual(p.offset, { left: 0, top: 0 });
  assert.deepEqual(p.resized, { width: 80, height: 80 });
});

test('the resized region never overflows the input, whatever the rounding', () => {
  for (const [left, top, side] of [[-0.4, -0.4, 33.3], [5.5, 7.7, 13.1], [-100, 300, 777], [0.2, 0.9, 1.3]] as const) {
    const p = placeCrop({ left, top, side }, whole(333, 411), 192);
    assert.ok(p.offset.left + p.resized.width <= 192, `x overflow for ${left},${top},${side}`);
    assert.ok(p.offset.top + p.resized.height <= 192, `y overflow for ${left},${top},${side}`);
    assert.ok(p.extract.left >= 0 && p.extract.left + p.extract.width <= 333);
    assert.ok(p.extract.top >= 0 && p.extract.top + p.extract.height <= 411);
    assert.ok(p.resized.width >= 1 && p.resized.height >= 1);
  }
});

test('mapKeypoint inverts the crop: input corners and centre land on the window', () => {
  const window = { left: 10, top: 20, side: 96 };
  const p = placeCrop(window, whole(640, 480), 192);
  assert.deepEqual(mapKeypoint(0, 0, 0.9, p, 640, 480), [10, 20, 0.9]);
  assert.deepEqual(mapKeypoint(0.5, 0.5, 0.5, p, 640, 480), [58, 68, 0.5]);
  // y comes first in the model output
  assert.deepEqual(mapKeypoint(1, 0, 0.1, p, 640, 480), [10, 116, 0.1]);
});

test('mapKeypoint accounts for padding and clamps padding points to the image', () => {
  const p = placeCrop({ left: -50, top: -25, side: 100 }, whole(640, 480), 200);
  // centre of the input = centre of the window = image (0, 25)
  const [x, y] = mapKeypoint(0.5, 0.5, 1, p, 640, 480);
  assert.equal(x, 0);
  assert.equal(y, 25);
  // a point in the left padding would be at x < 0: clamped to the border
  const [px] = mapKeypoint(0.5, 0.1, 1, p, 640, 480);
  assert.equal(px, 0);
  // a point in the image part maps linearly
  const [qx, qy] = mapKeypoint(0.75, 0.75, 1, p, 640, 480);
  assert.equal(qx, 25);
  assert.equal(qy, 50);
});

test('visibleRegion grows the box by the margin and stays inside the image', () => {
  assert.deepEqual(visibleRegion({ x: 100, y: 100, width: 50, height: 200 }, 0.1, 640, 480), { left: 95, top: 80, width: 60, height: 240 });
  assert.deepEqual(visibleRegion({ x: 5, y: 400, width: 50, height: 100 }, 0.2, 640, 480), { left: 0, top: 380, width: 65, height: 100 });
});

test('only the visible region is extracted; the rest of the window becomes padding', () => {
  // tall box: the square window is wider than the box, the sides are blacked out
  const box = { x: 100, y: 100, width: 40, height: 160 };
  const window = squareWindow(box, 1.25);
  const p = placeCrop(window, visibleRegion(box, 0, 640, 480), 200);
  assert.deepEqual(p.extract, { left: 100, top: 100, width: 40, height: 160 });
  assert.deepEqual(p.offset, { left: 80, top: 20 });
  assert.deepEqual(p.resized, { width: 40, height: 160 });
  // the box corners map back exactly
  assert.deepEqual(mapKeypoint(20 / 200, 80 / 200, 1, p, 640, 480), [100, 100, 1]);
  assert.deepEqual(mapKeypoint(180 / 200, 120 / 200, 1, p, 640, 480), [140, 260, 1]);
});
