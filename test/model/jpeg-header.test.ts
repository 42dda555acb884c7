/**
 * The JPEG marker reader against sharp's metadata, on JPEGs the test makes
 * (grey, RGB, CMYK, progressive, restart intervals, every EXIF orientation,
 * both TIFF byte orders) and on the COCO images when installed; and on
 * damaged headers, where it must give undefined (so sharp decides) and never
 * throw or read out of bounds.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import sharp from 'sharp';
import { readFileSync } from 'node:fs';
import { readJpegHeader } from '../../model/families/jpeg-header.js';
import { preprocess, type InputSpec } from '../../model/families/index.js';
import { seededRng } from '../../lib/seeded-rng.js';
import { benchImages } from '../../bench/lib/load.js';

const raw = (w: number, h: number, channels: 1 | 3 | 4) => {
  const rng = seededRng(w * h + channels);
  return sharp(Buffer.from(Array.from({ length: w * h * channels }, () => Math.floor(rng() * 256))), { raw: { width: w, height: h, channels } });
};

async function agrees(jpeg: Buffer, what: string): Promise<void> {
  const header = readJpegHeader(jpeg);
  const meta = await sharp(jpeg).metadata();
  assert.ok(header, `${what}: no header read`);
  assert.equal(header.width, meta.width, what);
  assert.equal(header.height, meta.height, what);
  assert.equal(header.orientation, meta.orientation ?? 1, what);
  assert.equal(header.components, meta.channels, what);
  assert.equal(header.precision, 8, what);
}

/** An EXIF APP1 segment holding only IFD0 with the orientation tag, in either byte order. */
function exifSegment(orientation: number, little: boolean): Buffer {
  const tiff = Buffer.alloc(8 + 2 + 12 + 4);
  const u16 = (v: number, at: number) => (little ? tiff.writeUInt16LE(v, at) : tiff.writeUInt16BE(v, at));
  const u32 = (v: number, at: number) => (little ? tiff.writeUInt32LE(v, at) : tiff.writeUInt32BE(v, at));
  tiff.write(little ? 'II' : 'MM', 0, 'latin1');
  u16(42, 2);
  u32(8, 4);
  u16(1, 8);
  u16(0x0112, 10);
  u16(3, 12);
  u32(1, 14);
  u16(orientation, 18);
  const body = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]);
  const head = Buffer.from([0xff, 0xe1, 0, 0]);
  head.writeUInt16BE(body.length + 2, 2);
  return Buffer.concat([head, body]);
}

/** `jpeg` with `segment` inserted right after SOI. */
const withSegment = (jpeg: Buffer, segment: Buffer) => Buffer.concat([jpeg.subarray(0, 2), segment, jpeg.subarray(2)]);

test('size, components and orientation agree with sharp on the JPEGs this test makes', async () => {
  await agrees(await raw(64, 48, 3).jpeg().toBuffer(), 'RGB baseline');
  await agrees(await raw(33, 17, 1).toColourspace('b-w').jpeg().toBuffer(), 'grey');
  await agrees(await raw(40, 30, 3).jpeg({ progressive: true }).toBuffer(), 'progressive');
  await agrees(await raw(40, 30, 3).toColourspace('cmyk').jpeg().toBuffer(), 'CMYK');
  await agrees(await raw(300, 200, 3).jpeg({ quality: 95, chromaSubsampling: '4:4:4' }).toBuffer(), '4:4:4');
  for (let orientation = 1; orientation <= 8; orientation++) {
    await agrees(await raw(50, 20, 3).jpeg().withMetadata({ orientation }).toBuffer(), `sharp's EXIF, orientation ${orientation}`);
    for (const little of [true, false]) {
      await agrees(withSegment(await raw(20, 10, 3).jpeg().toBuffer(), exifSegment(orientation, little)), `${little ? 'II' : 'MM'} EXIF, orientation ${orientation}`);
    }
  }
});

test('size and orientation agree with sharp on the COCO images, when installed', async (t) => {
  const jpegs = benchImages().filter((f) => /\.jpe?g$/i.test(f));
  if (jpegs.length === 0) return t.skip('inputfolder/ is empty (npm run images:install)');
  for (const f of jpegs) await agrees(readFileSync(f), f);
});

test('damaged or unusual headers give undefined, never a throw', async () => {
  const jpeg = await raw(64, 48, 3).jpeg().toBuffer();
  assert.equal(readJpegHeader(Buffer.from('not a jpeg')), undefined);
  assert.equal(readJpegHeader(jpeg.subarray(0, 2)), undefined);
  assert.equal(readJpegHeader(jpeg.subarray(0, 30)), undefined, 'cut before the frame header');
  assert.equal(readJpegHeader(withSegment(jpeg, exifSegment(9, true))), undefined, 'orientation out of range');
  const badLength = Buffer.from(jpeg);
  badLength.writeUInt16BE(0xffff, 4);
  assert.equal(readJpegHeader(badLength), undefined, 'segment longer than the file');
  const rng = seededRng(3);
  for (let i = 0; i < 5000; i++) {
    const mutated = Buffer.from(jpeg.subarray(0, 700));
    for (let k = 0; k < 4; k++) mutated[2 + Math.floor(rng() * 698)] = Math.floor(rng() * 256);
    const header = readJpegHeader(mutated.subarray(0, 2 + Math.floor(rng() * 698)));
    if (header) assert.ok(header.width > 0 && header.height > 0 && header.orientation >= 1 && header.orientation <= 8);
  }
});

test('a JPEG the marker reader or libjpeg-turbo does not take still goes through sharp', async () => {
  const input: InputSpec = { name: 'images', width: 32, height: 32, resize: 'letterbox-center', padValue: 114, channelOrder: 'RGB', layout: 'NCHW', dtype: 'float32', scale: 1 };
  const rotated = await raw(40, 20, 3).jpeg().withMetadata({ orientation: 6 }).toBuffer();
  // orientation 6: displayed 20 wide and 40 high, so the letterbox pads left and right
  assert.equal((await preprocess(rotated, input, { maxPixels: 1e6 })).placement.srcWidth, 20);
  const cmyk = await raw(40, 20, 3).toColourspace('cmyk').jpeg().toBuffer();
  assert.equal((await preprocess(cmyk, input, { maxPixels: 1e6 })).placement.srcWidth, 40);
  await assert.rejects(preprocess(await raw(40, 20, 3).jpeg().toBuffer(), input, { maxPixels: 100 }), { name: 'ImageError', kind: 'too-many-pixels' });
  const truncated = (await raw(64, 48, 3).jpeg().toBuffer()).subarray(0, 300);
  await assert.rejects(preprocess(truncated, input, { maxPixels: 1e6 }), { name: 'ImageError' });
});
