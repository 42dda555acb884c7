import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { convertDarknet, convertDarknetFiles, parseNames } from '../../model/convert.js';
import { DarknetError } from '../../model/darknet/errors.js';
import { randomWeights } from '../../model/darknet/random-weights.js';
import { readOnnxMetadata } from '../../model/onnx/metadata.js';
import { deepResidualCfg } from './fixtures/deep-residual.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const shared = path.resolve(here, '../../../shared');
const allLayers = readFileSync(path.join(here, 'fixtures/all-layers.cfg'), 'utf8');

async function infer(model: Uint8Array, input: Float32Array, dims: number[]) {
  const session = await ort.InferenceSession.create(model);
  try {
    const out = await session.run({ images: new ort.Tensor('float32', input, dims) });
    return { names: [session.inputNames, session.outputNames], data: out.detections!.data as Float32Array, dims: out.detections!.dims };
  } finally {
    await session.release();
  }
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

test('box decoding in the graph follows Darknet: sigmoid, grid offset, scale_x_y, anchors, input pixels', async () => {
  // A 1x1 convolution with a zero kernel outputs its biases everywhere, so each
  // anchor's raw values are known and every grid cell must decode from them.
  const anchors: Array<[number, number]> = [[5, 7], [11, 3]];
  const classes = 2;
  const k = 1.2;
  const cfg = `[net]\nwidth=12\nheight=8\n[convolutional]\nfilters=14\nsize=1\nstride=4\nactivation=linear\n[yolo]\nmask=0,1\nanchors=5,7,11,3\nclasses=${classes}\nnum=2\nscale_x_y=${k}\n`;
  const biases = Float32Array.from({ length: 14 }, (_, i) => Math.sin(i + 1) * 1.5);
  const header = Buffer.alloc(20);
  header.writeInt32LE(2, 4);
  const weights = Buffer.concat([header, Buffer.from(biases.buffer), Buffer.alloc(14 * 3 * 4)]);
  const converted = convertDarknet({ cfgText: cfg, weights, labels: ['a', 'b'] });
  const grid = { cols: 3, rows: 2 };
  assert.equal(converted.boxes, grid.cols * grid.rows * anchors.length);

  const input = Float32Array.from({ length: 3 * 8 * 12 }, (_, i) => (i % 17) / 17);
  const { data, dims } = await infer(converted.model, input, [1, 3, 8, 12]);
  assert.deepEqual(dims, [1, converted.boxes, 5 + classes]);
  const stride = { x: 12 / grid.cols, y: 8 / grid.rows };
  for (let row = 0; row < grid.rows; row += 1) {
    for (let col = 0; col < grid.cols; col += 1) {
      for (const [a, [aw, ah]] of anchors.entries()) {
        const raw = (j: number) => biases[a * (5 + classes) + j]!;
        const expected = [
          (sigmoid(raw(0)) * k - (k - 1) / 2 + col) * stride.x,
          (sigmoid(raw(1)) * k - (k - 1) / 2 + row) * stride.y,
          Math.exp(raw(2)) * aw,
          Math.exp(raw(3)) * ah,
          sigmoid(raw(4)),
          sigmoid(raw(5)),
          sigmoid(raw(6)),
        ];
        const at = ((row * grid.cols + col) * anchors.length + a) * (5 + classes);
        const actual = Array.from(data.subarray(at, at + 5 + classes));
        for (const [j, e] of expected.entries()) {
          assert.ok(Math.abs(actual[j]! - e) <= 1e-5 * Math.max(1, Math.abs(e)), `row ${row} col ${col} anchor ${a} column ${j}: ${actual[j]} vs ${e}`);
        }
      }
    }
  }
});

test('the model is self-describing: names, shapes and metadata', async () => {
  const labels = ['cat', 'dog', 'a "quoted", name'];
  const converted = convertDarknet({ cfgText: allLayers, weights: randomWeights(allLayers, 1), labels, sourceName: 'all-layers.cfg' });
  assert.deepEqual(readOnnxMetadata(converted.model), {
    'clouddetect.family': 'darknet-yolo',
    'clouddetect.labels': JSON.stringify(labels),
    'clouddetect.input_width': '64',
    'clouddetect.input_height': '48',
    'clouddetect.source': 'all-layers.cfg',
  });
  assert.deepEqual(
    { w: converted.inputWidth, h: converted.inputHeight, classes: converted.classes, boxes: converted.boxes },
    { w: 64, h: 48, classes: 3, boxes: 12 * 16 * 3 + 24 * 32 * 3 },
  );
  const { names, dims, data } = await infer(converted.model, new Float32Array(3 * 48 * 64).fill(0.5), [1, 3, 48, 64]);
  assert.deepEqual(names, [['images'], ['detections']]);
  assert.deepEqual(dims, [1, converted.boxes, 8]);
  assert.ok(data.every(Number.isFinite));
});

/** Objectness spread and the share of saturated values, over all boxes. */
function objectnessStats(data: Float32Array, boxes: number, cols: number) {
  const values = Array.from({ length: boxes }, (_, r) => data[r * cols + 4]!);
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  const sd = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length);
  const saturated = values.filter((v) => v < 0.001 || v > 0.999).length / values.length;
  return { sd, saturated };
}

test('seeded random weights give outputs worth comparing: objectness neither flat nor saturated', async () => {
  const converted = convertDarknet({ cfgText: allLayers, weights: randomWeights(allLayers, 3), labels: ['a', 'b', 'c'] });
  const input = Float32Array.from({ length: 3 * 48 * 64 }, (_, i) => 0.5 + 0.5 * Math.sin(i / 5));
  const { data } = await infer(converted.model, input, [1, 3, 48, 64]);
  const { sd, saturated } = objectnessStats(data, converted.boxes, 8);
  assert.ok(sd > 0.02, `objectness barely varies (sd ${sd})`);
  assert.ok(saturated < 0.5, `${(saturated * 100).toFixed(0)}% of objectness values are saturated`);
});

test('seeded random weights stay in range through a deep residual net', async () => {
  const cfgText = deepResidualCfg();
  const labels = Array.from({ length: 80 }, (_, i) => `c${i}`);
  const converted = convertDarknet({ cfgText, weights: randomWeights(cfgText, 1), labels });
  const input = Float32Array.from({ length: 3 * 128 * 128 }, (_, i) => 0.5 + 0.5 * Math.sin(i / 5));
  const { data } = await infer(converted.model, input, [1, 3, 128, 128]);
  assert.ok(data.every(Number.isFinite), 'boxes overflowed to Infinity or NaN');
  const { sd, saturated } = objectnessStats(data, converted.boxes, 85);
  assert.ok(sd > 0.02, `objectness barely varies (sd ${sd})`);
  assert.ok(saturated < 0.5, `${(saturated * 100).toFixed(0)}% of objectness values are saturated`);
});

test('labels and channels must match the cfg', () => {
  const weights = randomWeights(allLayers, 1);
  assert.throws(
    () => convertDarknet({ cfgText: allLayers, weights, labels: ['a', 'b'], sourceName: 'all-layers.cfg' }),
    (err: unknown) => err instanceof DarknetError && err.code === 'LABELS_MISMATCH' && /all-layers\.cfg has classes=3 but 2 class names/.test(err.message),
  );
  const gray = allLayers.replace('channels=3', 'channels=1');
  assert.throws(
    () => convertDarknet({ cfgText: gray, weights: randomWeights(gray, 1), labels: ['a', 'b', 'c'] }),
    (err: unknown) => err instanceof DarknetError && err.code === 'CFG_UNSUPPORTED' && /channels=1/.test(err.message),
  );
});

test('names files: one per line, blanks and spaces ignored', () => {
  assert.deepEqual(parseNames('person\r\n bicycle \n\ncar\n'), ['person', 'bicycle', 'car']);
});

test('yolov3-tiny: every box, and a model no bigger than its weights (+1%)', (t) => {
  const cfgPath = path.join(shared, 'model/yolov3-tiny.cfg');
  if (!existsSync(cfgPath)) return t.skip(`${cfgPath} not present`);
  const cfgText = readFileSync(cfgPath, 'utf8');
  const weights = randomWeights(cfgText, 1);
  const labels = Array.from({ length: 80 }, (_, i) => `c${i}`);
  const converted = convertDarknet({ cfgText, weights, labels });
  assert.equal(converted.boxes, (13 * 13 + 26 * 26) * 3);
  const ratio = converted.model.byteLength / weights.byteLength;
  assert.ok(ratio > 0.99 && ratio < 1.01, `model/weights size ratio ${ratio}`);
});

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'clouddetect-convert-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function writeInputs(weights: Uint8Array) {
  const files = { cfg: path.join(dir, 'net.cfg'), weights: path.join(dir, 'net.weights'), names: path.join(dir, 'net.names'), out: path.join(dir, 'net.onnx') };
  await writeFile(files.cfg, allLayers);
  await writeFile(files.weights, weights);
  await writeFile(files.names, 'a\nb\nc\n');
  return files;
}

test('files: converts and reports what it wrote', async () => {
  const files = await writeInputs(randomWeights(allLayers, 2));
  const result = await convertDarknetFiles(files);
  const written = await readFile(files.out);
  assert.deepEqual(result, { out: files.out, inputWidth: 64, inputHeight: 48, classes: 3, boxes: 2880, bytes: written.byteLength });
  assert.deepEqual(JSON.parse(readOnnxMetadata(written)['clouddetect.labels']!), ['a', 'b', 'c']);
  assert.equal(readOnnxMetadata(written)['clouddetect.source'], 'net.cfg');
  assert.deepEqual((await readdir(dir)).sort(), ['net.cfg', 'net.names', 'net.onnx', 'net.weights']);
});

test('files: a failed conversion leaves an existing model untouched and no temp file', async () => {
  const files = await writeInputs(randomWeights(allLayers, 2).subarray(0, 1000));
  await writeFile(files.out, 'previous model');
  await assert.rejects(convertDarknetFiles(files), (err: unknown) => err instanceof DarknetError && err.code === 'WEIGHTS_MISMATCH');
  assert.equal(await readFile(files.out, 'utf8'), 'previous model');
  assert.deepEqual((await readdir(dir)).sort(), ['net.cfg', 'net.names', 'net.onnx', 'net.weights']);
});
