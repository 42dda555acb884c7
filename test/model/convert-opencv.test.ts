/**
 * The converter against an independent implementation: OpenCV's Darknet
 * importer reads the same cfg and seeded random weights, both run the same
 * input, and every box, objectness and kept class score must agree within
 * 1e-3 (relative above 1).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { convertDarknet } from '../../model/convert.js';
import { parseNetwork } from '../../model/darknet/network.js';
import { randomWeights } from '../../model/darknet/random-weights.js';
import { deepResidualCfg } from './fixtures/deep-residual.js';
import { compareWithOpenCv, openCvDarknet, openCvOnnx, openCvSkipReason } from '../helpers/opencv.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../..');
const shared = path.resolve(repoRoot, '../shared');
const TOLERANCE = 1e-3;

let skip: string | undefined;
before(async () => {
  skip = await openCvSkipReason();
});

/** Deterministic pixels in 0..1 with structure at several scales, so every layer sees varied input. */
function syntheticBlob(width: number, height: number, seed: number): Float32Array {
  const blob = new Float32Array(3 * width * height);
  for (let c = 0; c < 3; c += 1) {
    for (let y = 0; y < height; y += 1) {
      for (let x = 0; x < width; x += 1) {
        const wave = Math.sin((x * (c + 1) + seed) / 7) * Math.cos((y * (3 - c) + seed) / 11);
        const checker = ((x >> 3) + (y >> 3) + c) % 2;
        blob[(c * height + y) * width + x] = 0.5 + 0.3 * wave + 0.2 * (checker - 0.5);
      }
    }
  }
  return blob;
}

/** What blobFromImage(img, 1/255, (W, H), swapRB=True) gives: stretched, RGB, CHW, 0..1. */
async function imageBlob(file: string, width: number, height: number): Promise<Float32Array> {
  const rgb = await sharp(file).removeAlpha().resize(width, height, { fit: 'fill' }).raw().toBuffer();
  const blob = new Float32Array(3 * width * height);
  for (let i = 0; i < width * height; i += 1) {
    for (let c = 0; c < 3; c += 1) blob[c * width * height + i] = rgb[3 * i + c]! / 255;
  }
  return blob;
}

async function compare(cfgText: string, seed: number, blobFor: (w: number, h: number) => Promise<Float32Array> | Float32Array) {
  const weights = randomWeights(cfgText, seed);
  const { classes } = parseNetwork(cfgText);
  const labels = Array.from({ length: classes }, (_, i) => `class${i}`);
  const converted = convertDarknet({ cfgText, weights, labels });
  const { inputWidth: width, inputHeight: height } = converted;
  const blob = await blobFor(width, height);
  const session = await ort.InferenceSession.create(converted.model);
  try {
    const result = await session.run({ images: new ort.Tensor('float32', blob, [1, 3, height, width]) });
    const ours = result.detections!.data as Float32Array;
    const cv = await openCvDarknet(cfgText, weights, blob);
    assert.equal(cv.cols, 5 + classes);
    return compareWithOpenCv(ours, cv.rows, cv.cols, { width, height });
  } finally {
    await session.release();
  }
}

function assertAgrees(cmp: ReturnType<typeof compareWithOpenCv>) {
  assert.ok(cmp.worst <= TOLERANCE, `largest difference ${cmp.worst} at row ${cmp.worstAt[0]} column ${cmp.worstAt[1]}`);
  // OpenCV zeroes class scores below its threshold; all of ours there must sit below all it kept.
  assert.ok(cmp.maxDropped <= cmp.minKept + TOLERANCE, `we score ${cmp.maxDropped} where OpenCV dropped, it kept down to ${cmp.minKept}`);
  // A comparison where OpenCV dropped (nearly) everything would prove little.
  assert.ok(cmp.keptFraction > 0.05, `only ${(cmp.keptFraction * 100).toFixed(1)}% of class scores were comparable`);
}

const allLayers = readFileSync(path.join(here, 'fixtures/all-layers.cfg'), 'utf8');

test('every supported layer type matches OpenCV on seeded random weights', async (t) => {
  if (skip) return t.skip(skip);
  for (const seed of [1, 2]) assertAgrees(await compare(allLayers, seed, (w, h) => syntheticBlob(w, h, seed)));
});

test('a yolov4-tiny style cfg (route groups, scale_x_y) matches OpenCV', async (t) => {
  if (skip) return t.skip(skip);
  const cfg = readFileSync(path.join(here, 'fixtures/csp-tiny.cfg'), 'utf8');
  assertAgrees(await compare(cfg, 3, (w, h) => syntheticBlob(w, h, 3)));
});

test('a deep yolov3-shaped residual net (59 convolutions, 23 shortcuts) matches OpenCV', async (t) => {
  if (skip) return t.skip(skip);
  assertAgrees(await compare(deepResidualCfg(), 5, (w, h) => syntheticBlob(w, h, 5)));
});

test('yolov3-tiny at 416x416 matches OpenCV', async (t) => {
  if (skip) return t.skip(skip);
  const cfgPath = path.join(shared, 'model/yolov3-tiny.cfg');
  if (!existsSync(cfgPath)) return t.skip(`${cfgPath} not present`);
  const cfg = readFileSync(cfgPath, 'utf8');
  assertAgrees(await compare(cfg, 42, (w, h) => syntheticBlob(w, h, 42)));
  const dog = path.join(shared, 'samples/dog.jpg');
  if (existsSync(dog)) assertAgrees(await compare(cfg, 42, (w, h) => imageBlob(dog, w, h)));
});

test('OpenCV 4.6 also loads and runs the converted ONNX model (opset 13)', async (t) => {
  if (skip) return t.skip(skip);
  const converted = convertDarknet({ cfgText: allLayers, weights: randomWeights(allLayers, 4), labels: ['a', 'b', 'c'] });
  const input = { width: converted.inputWidth, height: converted.inputHeight };
  const blob = syntheticBlob(input.width, input.height, 4);
  const session = await ort.InferenceSession.create(converted.model);
  try {
    const ours = (await session.run({ images: new ort.Tensor('float32', blob, [1, 3, input.height, input.width]) })).detections!.data as Float32Array;
    const cv = await openCvOnnx(converted.model, blob, input);
    assert.equal(cv.length, ours.length);
    const worst = ours.reduce((w, v, i) => Math.max(w, Math.abs(v - cv[i]!) / Math.max(1, Math.abs(cv[i]!))), 0);
    assert.ok(worst <= TOLERANCE, `OpenCV's ONNX run differs by up to ${worst}`);
  } finally {
    await session.release();
  }
});
