/**
 * Boxes come back in the original image's pixels: the scripted model finds
 * the red square in whatever the real preprocessing handed it, so any error
 * in letterboxing, EXIF rotation or mapping back shows up as a shifted box.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { FAMILIES } from '../../model/families/index.js';
import { postJson, redSquareDetector, startApp, type Running } from '../helpers/service.js';
import { displayedBox, squareImage, toBase64, type Box, type SquareImage } from '../helpers/service-images.js';

let centre: Running;
let topLeft: Running;
const INPUT = 160;
before(async () => {
  centre = await startApp(redSquareDetector(FAMILIES.yolov8.create({ inputName: 'i', outputName: 'o', width: INPUT, height: INPUT, labels: ['square'] })));
  const yoloxLike = FAMILIES.yolov8.create({ inputName: 'i', outputName: 'o', width: INPUT, height: INPUT, labels: ['square'] });
  // Same scripted model, but letterboxed at the top-left as YOLOX is.
  topLeft = await startApp(redSquareDetector({ ...yoloxLike, input: { ...yoloxLike.input, resize: 'letterbox-topleft' } }));
});
after(async () => {
  await centre.close();
  await topLeft.close();
});

async function detectedBox(app: Running, bytes: Buffer): Promise<Box> {
  const res = await postJson(`${app.url}/api/object_detection`, { id: 'm', image: toBase64(bytes) });
  assert.equal(res.status, 200);
  const body = (await res.json()) as { objects: Array<{ rectangle: Box }> };
  assert.equal(body.objects.length, 1);
  return body.objects[0]!.rectangle;
}

/** One input pixel spans longSide/INPUT original pixels; allow about two of them. */
function assertNear(actual: Box, expected: Box, longSide: number): void {
  const tol = (2 * longSide) / INPUT + 1;
  for (const k of ['left', 'top', 'width', 'height'] as const) {
    assert.ok(Math.abs(actual[k] - expected[k]) <= tol, `${k}: got ${actual[k]}, expected ${expected[k]} ± ${tol.toFixed(1)} (${JSON.stringify(actual)})`);
  }
}

const nonSquare: SquareImage[] = [
  { width: 640, height: 240, square: { left: 500, top: 150, width: 90, height: 60 } },
  { width: 200, height: 700, square: { left: 20, top: 560, width: 120, height: 100 } },
  { width: 1000, height: 90, square: { left: 10, top: 10, width: 70, height: 50 } },
];

for (const spec of nonSquare) {
  test(`non-square ${spec.width}x${spec.height}: box maps back to original pixels (centre and top-left letterbox)`, async () => {
    const bytes = await squareImage(spec);
    const longSide = Math.max(spec.width, spec.height);
    assertNear(await detectedBox(centre, bytes), spec.square, longSide);
    assertNear(await detectedBox(topLeft, bytes), spec.square, longSide);
  });
}

for (const orientation of [3, 6, 8] as const) {
  test(`EXIF orientation ${orientation}: box is in the displayed (rotated) frame`, async () => {
    const spec: SquareImage = { width: 480, height: 300, square: { left: 40, top: 30, width: 100, height: 60 }, orientation };
    const bytes = await squareImage(spec);
    const expected = displayedBox(spec.square, spec.width, spec.height, orientation);
    assertNear(await detectedBox(centre, bytes), expected, 480);
  });
}

test('WebP and JPEG inputs map the same way as PNG', async () => {
  const spec: SquareImage = { width: 400, height: 260, square: { left: 250, top: 100, width: 80, height: 90 } };
  for (const format of ['webp', 'jpeg'] as const) {
    assertNear(await detectedBox(centre, await squareImage({ ...spec, format })), spec.square, 400);
  }
});
