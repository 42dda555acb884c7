import assert from 'node:assert/strict';
import { test } from 'node:test';
import sharp, { type Sharp } from 'sharp';
import { ImageError, preprocess } from '../../model/families/index.js';
import type { InputSpec } from '../../model/families/index.js';

const RED = [255, 0, 0];
const BLUE = [0, 0, 255];

/** width×height image, left half red, right half blue. */
function halves(width: number, height: number): Sharp {
  const raw = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) raw.set(x < width / 2 ? RED : BLUE, (y * width + x) * 3);
  }
  return sharp(raw, { raw: { width, height, channels: 3 } });
}

function spec(over: Partial<InputSpec>): InputSpec {
  return { name: 'images', width: 40, height: 40, resize: 'stretch', padValue: 114, channelOrder: 'RGB', layout: 'NCHW', dtype: 'float32', scale: 1 / 255, ...over };
}

/** [c0, c1, c2] at (x, y) of an NCHW or NHWC tensor. */
function pixel(t: Float32Array | Uint8Array, input: InputSpec, x: number, y: number): number[] {
  const plane = input.width * input.height;
  const i = y * input.width + x;
  return input.layout === 'NCHW' ? [t[i]!, t[plane + i]!, t[2 * plane + i]!] : [t[i * 3]!, t[i * 3 + 1]!, t[i * 3 + 2]!];
}

const big = { maxPixels: 10_000_000 };
const GREY = Math.fround(114 / 255);

test('letterbox-center, RGB, NCHW, 1/255: image in the middle rows, grey 114 above and below', async () => {
  const input = spec({ resize: 'letterbox-center' });
  const png = await halves(40, 20).png().toBuffer();
  const { tensor, dims, placement } = await preprocess(png, input, big);
  assert.deepEqual(dims, [1, 3, 40, 40]);
  assert.ok(tensor instanceof Float32Array);
  assert.equal(placement.padY, 10);
  assert.deepEqual(pixel(tensor, input, 0, 0), [GREY, GREY, GREY]);
  assert.deepEqual(pixel(tensor, input, 5, 15), [1, 0, 0]);
  assert.deepEqual(pixel(tensor, input, 35, 15), [0, 0, 1]);
  assert.deepEqual(pixel(tensor, input, 35, 39), [GREY, GREY, GREY]);
});

test('letterbox-topleft, BGR, unscaled: image in the top rows, channel 0 is blue', async () => {
  const input = spec({ resize: 'letterbox-topleft', channelOrder: 'BGR', scale: 1 });
  const png = await halves(40, 20).png().toBuffer();
  const { tensor, placement } = await preprocess(png, input, big);
  assert.equal(placement.padY, 0);
  assert.deepEqual(pixel(tensor, input, 5, 5), [0, 0, 255]);
  assert.deepEqual(pixel(tensor, input, 35, 5), [255, 0, 0]);
  assert.deepEqual(pixel(tensor, input, 5, 30), [114, 114, 114]);
});

test('stretch to NHWC uint8 downsizes without padding', async () => {
  const input = spec({ width: 20, height: 10, layout: 'NHWC', dtype: 'uint8', scale: 1 });
  const png = await halves(40, 40).png().toBuffer();
  const { tensor, dims, placement } = await preprocess(png, input, big);
  assert.ok(tensor instanceof Uint8Array);
  assert.deepEqual(dims, [1, 10, 20, 3]);
  assert.equal(placement.scaleX, 0.5);
  assert.equal(placement.scaleY, 0.25);
  assert.deepEqual(pixel(tensor, input, 1, 5), RED);
  assert.deepEqual(pixel(tensor, input, 18, 5), BLUE);
});

test('EXIF orientation is honoured: a 90° rotated photo is tall and its left half is on top', async () => {
  const input = spec({ resize: 'letterbox-topleft', scale: 1 });
  const jpeg = await halves(40, 20).jpeg({ quality: 100 }).withMetadata({ orientation: 6 }).toBuffer();
  const { tensor, placement } = await preprocess(jpeg, input, big);
  assert.equal(placement.srcWidth, 20);
  assert.equal(placement.srcHeight, 40);
  const [r1, , b1] = pixel(tensor, input, 10, 5);
  const [r2, , b2] = pixel(tensor, input, 10, 35);
  assert.ok(r1! > 200 && b1! < 60, `top should be red, got ${r1},${b1}`);
  assert.ok(b2! > 200 && r2! < 60, `bottom should be blue, got ${r2},${b2}`);
  assert.deepEqual(pixel(tensor, input, 30, 5), [114, 114, 114]);
});

test('greyscale and transparent images become three-channel RGB', async () => {
  const input = spec({ scale: 1 });
  const grey = await sharp({ create: { width: 8, height: 8, channels: 3, background: { r: 90, g: 90, b: 90 } } }).toColourspace('b-w').png().toBuffer();
  assert.equal((await sharp(grey).metadata()).channels, 1);
  assert.deepEqual(pixel((await preprocess(grey, input, big)).tensor, input, 3, 3), [90, 90, 90]);
  const clear = await sharp({ create: { width: 8, height: 8, channels: 4, background: { r: 255, g: 0, b: 0, alpha: 0 } } }).png().toBuffer();
  assert.deepEqual(pixel((await preprocess(clear, input, big)).tensor, input, 3, 3), [114, 114, 114]);
});

test('errors carry a kind the service maps to a status', async () => {
  const input = spec({});
  const png = await halves(40, 20).png().toBuffer();
  const kindOf = async (buf: Buffer, maxPixels = big.maxPixels) => {
    const err = await preprocess(buf, input, { maxPixels }).then(
      () => assert.fail('expected an ImageError'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof ImageError, String(err));
    assert.ok(err.message.length > 0 && !err.message.includes('\n'));
    return err.kind;
  };
  assert.equal(await kindOf(Buffer.from('definitely not an image')), 'unsupported');
  assert.equal(await kindOf(png, 799), 'too-many-pixels');
  assert.equal(await kindOf(png.subarray(0, png.length - 40)), 'corrupt');
  const jpeg = await halves(400, 300).jpeg().toBuffer();
  assert.equal(await kindOf(jpeg.subarray(0, jpeg.length >> 1)), 'corrupt');
  assert.equal(await kindOf(Buffer.alloc(0)), 'corrupt');
  await assert.doesNotReject(preprocess(png, input, { maxPixels: 800 }));
});

test('a uint8 input with a scale is a programming error, not an image error', async () => {
  const png = await halves(4, 4).png().toBuffer();
  await assert.rejects(preprocess(png, spec({ dtype: 'uint8', scale: 0.5 }), big), RangeError);
});

test('every JPEG flavour lands as the same RGB: plain, progressive, greyscale, CMYK, with an ICC profile', async () => {
  const input = spec({ resize: 'letterbox-topleft', scale: 1 });
  const base = halves(40, 20);
  const flavours: Array<[string, Buffer]> = [
    ['baseline 4:2:0', await base.clone().jpeg({ quality: 95 }).toBuffer()],
    ['progressive 4:4:4', await base.clone().jpeg({ quality: 95, progressive: true, chromaSubsampling: '4:4:4' }).toBuffer()],
    ['CMYK', await base.clone().toColourspace('cmyk').jpeg({ quality: 95 }).toBuffer()],
    ['Display P3 profile', await base.clone().withIccProfile('p3').jpeg({ quality: 95 }).toBuffer()],
  ];
  for (const [name, jpeg] of flavours) {
    const { tensor } = await preprocess(jpeg, input, big);
    const [r1, , b1] = pixel(tensor, input, 5, 10);
    const [r2, , b2] = pixel(tensor, input, 35, 10);
    // Pure sRGB blue is outside the CMYK gamut and comes back darker, so "blue" is judged by margin.
    assert.ok(r1! > 200 && b1! < 60, `${name}: left should be red, got ${pixel(tensor, input, 5, 10)}`);
    assert.ok(b2! > r2! + 80, `${name}: right should be blue, got ${pixel(tensor, input, 35, 10)}`);
    assert.deepEqual(pixel(tensor, input, 5, 30), [114, 114, 114], `${name}: padding`);
  }
  const grey = await sharp({ create: { width: 16, height: 16, channels: 3, background: { r: 90, g: 90, b: 90 } } }).toColourspace('b-w').jpeg().toBuffer();
  assert.equal((await sharp(grey).metadata()).channels, 1);
  const [g0, g1, g2] = pixel((await preprocess(grey, input, big)).tensor, input, 3, 3);
  assert.ok(Math.abs(g0! - 90) <= 2 && g0 === g1 && g1 === g2, `grey JPEG: ${g0},${g1},${g2}`);
});
