import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { parseNames } from '../../model/convert.js';
import { COCO_LABELS } from '../../model/labels.js';
import { inferFamily, loadModelFamily, preprocess, resolveFamily, toDetections } from '../../model/families/index.js';
import { yoloxRowCount } from '../../model/families/yolox.js';
import { OnnxGraphBuilder } from '../../model/onnx/graph.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'families-load-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A model whose output is a constant table, whatever the image: enough to test loading and decoding. */
function constantModel(size: number, outputName: string, table: Float32Array, dims: number[], metadata: Record<string, string> = {}): Uint8Array {
  return new OnnxGraphBuilder()
    .input('images', [1, 3, size, size])
    .initializer('table', table, dims)
    .node('Identity', ['table'], [outputName])
    .output(outputName, dims)
    .toBytes(metadata);
}

async function save(name: string, bytes: Uint8Array, sidecar?: unknown): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, bytes);
  if (sidecar !== undefined) await writeFile(`${path}.json`, JSON.stringify(sidecar));
  return path;
}

const sharedNames = resolve(dirname(fileURLToPath(import.meta.url)), '../../../shared/model/coco.names');

test('the built-in COCO labels are darknet\'s coco.names', { skip: existsSync(sharedNames) ? false : `${sharedNames} is absent` }, async () => {
  assert.deepEqual(COCO_LABELS, parseNames(await readFile(sharedNames, 'utf8')));
});

test('inferFamily: the output shape decides when nothing else does', () => {
  const out = (shape: (number | string)[]) => [{ name: 'o', shape }];
  assert.equal(inferFamily(out([1, 84, 8400]), { width: 640, height: 640 }), 'yolov8');
  assert.equal(inferFamily(out([1, 3549, 85]), { width: 416, height: 416 }), 'yolox');
  assert.equal(inferFamily(out([1, 2535, 85]), { width: 416, height: 416 }), 'darknet-yolo');
  assert.equal(inferFamily(out([1, 84, 2535]), { width: 416, height: 416 }), 'darknet-yolo', 'yolov8 needs one column per grid cell');
  assert.equal(inferFamily(out([1, 84, 85]), { width: 64, height: 64 }), 'yolox', 'a small YOLOX has fewer rows than columns');
  assert.equal(inferFamily(out(['batch', 84, 8400]), null), 'yolov8');
  assert.throws(() => inferFamily(out([1, 1000]), null), /cannot tell the model family.*o \[1, 1000\].*sidecar/);
});

test('resolveFamily: metadata beats the sidecar, which beats the shape', () => {
  const io = { inputs: [{ name: 'x', shape: [1, 3, 320, 256] }], outputs: [{ name: 'y', shape: [1, 84, 1680] }] };
  const shapeOnly = resolveFamily({ metadata: {}, sidecar: null, ...io });
  assert.equal(shapeOnly.family, 'yolov8');
  assert.equal(shapeOnly.source, 'shape');
  assert.deepEqual([shapeOnly.config.width, shapeOnly.config.height, shapeOnly.config.inputName, shapeOnly.config.outputName], [256, 320, 'x', 'y']);
  assert.equal(shapeOnly.config.labels, COCO_LABELS);
  const sidecar = resolveFamily({ metadata: {}, sidecar: { family: 'darknet-yolo', labels: ['cat'] }, ...io });
  assert.deepEqual([sidecar.family, sidecar.source, sidecar.config.labels], ['darknet-yolo', 'sidecar', ['cat']]);
  const meta = resolveFamily({
    metadata: { 'clouddetect.family': 'yolox', 'clouddetect.labels': '["a","b"]', 'clouddetect.input_width': '64', 'clouddetect.input_height': '32' },
    sidecar: { family: 'darknet-yolo' },
    ...io,
  });
  assert.deepEqual([meta.family, meta.source, meta.config.width, meta.config.height, meta.config.labels], ['yolox', 'metadata', 64, 32, ['a', 'b']]);
  assert.throws(() => resolveFamily({ metadata: { 'clouddetect.family': 'resnet' }, sidecar: null, ...io }), /invalid clouddetect\.\* model metadata/);
  assert.throws(() => resolveFamily({ metadata: { 'clouddetect.family': 'yolox', 'clouddetect.labels': '[oops' }, sidecar: null, ...io }), /clouddetect\.labels is not JSON/);
});

test('loadModelFamily reads ONNX metadata, a sidecar, or the output shape', async () => {
  const rows = yoloxRowCount(64, 64);
  const yoloxTable = new Float32Array(rows * 85);
  const meta = await save('meta.onnx', constantModel(64, 'out', yoloxTable, [1, rows, 85], { 'clouddetect.family': 'yolox', 'clouddetect.labels': '["only"]' }));
  const fromMeta = await loadModelFamily(meta);
  assert.deepEqual([fromMeta.family, fromMeta.outputName, fromMeta.input.name, fromMeta.input.width, fromMeta.labels], ['yolox', 'out', 'images', 64, ['only']]);

  const side = await save('side.onnx', constantModel(64, 'detections', new Float32Array(7 * 85), [1, 7, 85]), { family: 'darknet-yolo', inputWidth: 64, inputHeight: 64 });
  const fromSidecar = await loadModelFamily(side);
  assert.deepEqual([fromSidecar.family, fromSidecar.outputName, fromSidecar.input.resize], ['darknet-yolo', 'detections', 'stretch']);

  const anchors = yoloxRowCount(128, 128);
  const v8 = await save('v8.onnx', constantModel(128, 'output0', new Float32Array(84 * anchors), [1, 84, anchors]));
  const fromShape = await loadModelFamily(v8);
  assert.deepEqual([fromShape.family, fromShape.input.width, fromShape.labels.length], ['yolov8', 128, 80]);
});

test('loadModelFamily names the file when it or its sidecar is unusable', async () => {
  await assert.rejects(loadModelFamily(join(dir, 'missing.onnx')), /cannot read model .*missing\.onnx: ENOENT/);
  const bad = await save('bad.onnx', constantModel(64, 'o', new Float32Array(85), [1, 1, 85]), { family: 'yolo9000' });
  await assert.rejects(loadModelFamily(bad), (err: Error) => err.message.includes('bad.onnx.json') && err.message.includes('family'));
});

test('whole pipeline on a synthetic YOLOX model: a box the network reports lands where it belongs in the photo', async () => {
  const size = 64;
  const rows = yoloxRowCount(size, size);
  const table = new Float32Array(rows * 85);
  // Row 10 is cell (2, 1) at stride 8: centre (2.5·8, 1.5·8) = (20, 12), size 20×8 in input pixels.
  table.set([0.5, 0.5, Math.log(2.5), Math.log(1), 0.9], 10 * 85);
  table[10 * 85 + 5 + 16] = 1;
  const path = await save('pipe.onnx', constantModel(size, 'output', table, [1, rows, 85]));
  const family = await loadModelFamily(path);
  assert.equal(family.family, 'yolox');
  const photo = await sharp({ create: { width: 200, height: 100, channels: 3, background: 'white' } }).jpeg().toBuffer();
  const { tensor, dims, placement } = await preprocess(photo, family.input, { maxPixels: 1e6 });
  const session = await ort.InferenceSession.create(path);
  try {
    const out = (await session.run({ [family.input.name]: new ort.Tensor('float32', tensor as Float32Array, dims) }))[family.outputName]!;
    const candidates = family.decode({ data: out.data as Float32Array, dims: out.dims }, 0.5);
    const detections = toDetections(candidates, placement, family.labels, { iouThreshold: 0.45, classWise: true });
    // Input → photo: the photo is scaled by 64/200 = 0.32 at the top-left, so x 10..30 → 31.25..93.75, y 8..16 → 25..50.
    assert.deepEqual(detections, [{ classId: 16, label: 'dog', score: detections[0]?.score, box: { left: 31, top: 25, width: 63, height: 25 } }]);
    assert.ok(Math.abs(detections[0]!.score - 0.9) < 1e-6);
  } finally {
    await session.release();
  }
});
