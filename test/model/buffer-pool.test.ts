import assert from 'node:assert/strict';
import { test } from 'node:test';
import sharp from 'sharp';
import { BufferPool } from '../../model/families/buffer-pool.js';
import { preprocess, type InputSpec } from '../../model/families/index.js';
import { seededRng } from '../../lib/seeded-rng.js';

const input: InputSpec = { name: 'images', width: 96, height: 96, resize: 'letterbox-topleft', padValue: 114, channelOrder: 'BGR', layout: 'NCHW', dtype: 'float32', scale: 1 };

async function noisyJpeg(width: number, height: number, seed: number): Promise<Buffer> {
  const rng = seededRng(seed);
  const pixels = Buffer.alloc(width * height * 3);
  for (let i = 0; i < pixels.length; i++) pixels[i] = Math.floor(rng() * 256);
  return sharp(pixels, { raw: { width, height, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
}

test('pooled buffers, reused dirty across images of different shapes, give exactly the tensors fresh buffers give', async () => {
  // wide, tall, tiny and large, so a reused buffer once held pixels where the next image has padding
  const images = await Promise.all([[200, 80], [60, 180], [20, 20], [320, 240], [90, 300], [200, 80]].map(([w, h], i) => noisyJpeg(w!, h!, i + 1)));
  const pool = new BufferPool(2);
  for (const image of images) {
    const fresh = await preprocess(image, input, { maxPixels: 1e6 });
    const pooled = await preprocess(image, input, { maxPixels: 1e6, pool });
    assert.deepEqual(pooled.placement, fresh.placement);
    assert.deepEqual(pooled.tensor, fresh.tensor);
    pool.give(pooled.tensor.buffer);
  }
});

test('the pool keeps at most its bound and never keeps oversized buffers', () => {
  const pool = new BufferPool(2, 1024);
  const a = new ArrayBuffer(100);
  const b = new ArrayBuffer(200);
  const c = new ArrayBuffer(300);
  pool.give(a);
  pool.give(b);
  pool.give(c);
  pool.give(new ArrayBuffer(4096));
  assert.equal(pool.take(250), c);
  assert.equal(pool.take(150), b);
  // `a` was dropped when `c` came in; nothing left of at least 50 bytes
  assert.notEqual(pool.take(50), a);
});
