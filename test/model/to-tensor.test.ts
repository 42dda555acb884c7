import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { placementFor, preprocess, toTensor, type InputSpec, type RgbImage } from '../../model/families/index.js';
import { seededRng } from '../../lib/seeded-rng.js';
import { openCvSkipReason } from '../helpers/opencv.js';

const run = promisify(execFile);

function spec(over: Partial<InputSpec>): InputSpec {
  return { name: 'images', width: 64, height: 64, resize: 'letterbox-center', padValue: 114, channelOrder: 'RGB', layout: 'NCHW', dtype: 'uint8', scale: 1, ...over };
}

/** A smooth gradient with noise on top: detail at every scale, like a photo. */
function photoLike(width: number, height: number, seed: number): RgbImage {
  const rng = seededRng(seed);
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      data[i] = (x * 255) / width;
      data[i + 1] = (y * 255) / height;
      data[i + 2] = Math.min(255, 64 + rng() * 128);
    }
  }
  return { data, width, height };
}

/** Channel c of pixel (x, y), whatever the layout. */
function at(t: Float32Array | Uint8Array, input: InputSpec, x: number, y: number, c: number): number {
  const i = y * input.width + x;
  return input.layout === 'NCHW' ? t[c * input.width * input.height + i]! : t[i * 3 + c]!;
}

test('a source already at the placed size is copied exactly, with padding, channel order and scale applied', () => {
  const src = photoLike(64, 32, 1);
  for (const input of [spec({}), spec({ layout: 'NHWC', channelOrder: 'BGR' }), spec({ dtype: 'float32', scale: 1 / 255, resize: 'letterbox-topleft' })]) {
    const placement = placementFor(64, 32, input);
    const out = toTensor(src, placement, input);
    const order = input.channelOrder === 'RGB' ? [0, 1, 2] : [2, 1, 0];
    for (const [x, y] of [[0, 0], [63, 31], [17, 9]] as const) {
      for (let c = 0; c < 3; c++) {
        assert.equal(at(out, input, x, y + placement.padY, c), Math.fround(src.data[(y * 64 + x) * 3 + order[c]!]! * input.scale));
      }
    }
    const padRow = placement.padY === 0 ? 40 : 0;
    assert.equal(at(out, input, 5, padRow, 1), Math.fround(114 * input.scale));
  }
});

test('resampling matches OpenCV INTER_LINEAR to within one level, down and up', async (t) => {
  const skip = await openCvSkipReason();
  if (skip) return t.skip(skip);
  const dir = await mkdtemp(join(tmpdir(), 'to-tensor-'));
  try {
    for (const [sw, sh, input] of [
      [500, 375, spec({ width: 416, height: 416 })],
      [640, 480, spec({ width: 320, height: 320, resize: 'stretch' })],
      [90, 60, spec({ width: 256, height: 256 })],
    ] as const) {
      const src = photoLike(sw, sh, sw);
      const placement = placementFor(sw, sh, input);
      const out = toTensor(src, placement, input);
      const w = Math.round(sw * placement.scaleX);
      const h = Math.round(sh * placement.scaleY);
      await writeFile(join(dir, 'src.rgb'), src.data);
      await run('/usr/bin/python3', ['-c', [
        'import cv2, numpy as np, sys',
        `a = np.fromfile(sys.argv[1], np.uint8).reshape(${sh}, ${sw}, 3)`,
        `cv2.resize(a, (${w}, ${h}), interpolation=cv2.INTER_LINEAR).tofile(sys.argv[2])`,
      ].join('\n'), join(dir, 'src.rgb'), join(dir, 'cv.rgb')], { timeout: 60_000 });
      const cv = await readFile(join(dir, 'cv.rgb'));
      let worst = 0;
      let differing = 0;
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          for (let c = 0; c < 3; c++) {
            const d = Math.abs(at(out, input, x + placement.padX, y + placement.padY, c) - cv[(y * w + x) * 3 + c]!);
            worst = Math.max(worst, d);
            if (d > 0) differing += 1;
          }
        }
      }
      assert.ok(worst <= 1, `${sw}x${sh} → ${w}x${h}: a value differs by ${worst}`);
      // OpenCV blends in 11-bit fixed point, so values near a half (every one at an exact 2:1) may round the other way.
      assert.ok(differing / (w * h * 3) < 0.25, `${sw}x${sh} → ${w}x${h}: ${differing} values differ`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the libjpeg-turbo path and the sharp path give nearly the same tensor for the same photo', async () => {
  const src = photoLike(320, 240, 7);
  const raw = { raw: { width: 320, height: 240, channels: 3 as const } };
  const plain = await sharp(src.data, raw).jpeg({ quality: 95 }).toBuffer();
  // The same pixels with EXIF orientation 1 written out: still upright, but a PNG takes the sharp path.
  const png = await sharp(plain).png().toBuffer();
  const input = spec({ width: 128, height: 128, dtype: 'float32', scale: 1 });
  const fast = await preprocess(plain, input, { maxPixels: 1e6 });
  const slow = await preprocess(png, input, { maxPixels: 1e6 });
  assert.deepEqual(fast.placement, slow.placement);
  let sum = 0;
  for (let i = 0; i < fast.tensor.length; i++) sum += Math.abs(fast.tensor[i]! - slow.tensor[i]!);
  const mean = sum / fast.tensor.length;
  assert.ok(mean < 3, `mean difference ${mean.toFixed(2)} levels`);
});

test('a short RGB buffer is a programming error', () => {
  const input = spec({});
  assert.throws(() => toTensor({ data: new Uint8Array(10), width: 64, height: 32 }, placementFor(64, 32, input), input), RangeError);
});
