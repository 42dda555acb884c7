import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { OnnxGraphBuilder } from '../../model/onnx/graph.js';
import { readOnnxMetadata } from '../../model/onnx/metadata.js';
import { decodeModel } from '../../model/onnx/proto.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const shared = path.resolve(here, '../../../shared');

test('a built graph runs in onnxruntime and computes what its nodes say', async () => {
  // y = LeakyRelu(grouped 1x1 conv(x) + bias) reshaped to [1, 8]
  const bytes = new OnnxGraphBuilder()
    .input('x', [1, 2, 2, 2])
    .initializer('w', Float32Array.of(2, -3), [2, 1, 1, 1])
    .initializer('b', Float32Array.of(0.5, 0), [2])
    .node('Conv', ['x', 'w', 'b'], ['c'], { group: 2, kernel_shape: [1, 1] })
    .node('LeakyRelu', ['c'], ['act'], { alpha: 0.25 })
    .int64('shape', [1, -1])
    .node('Reshape', ['act', 'shape'], ['y'])
    .output('y', [1, 8])
    .toBytes();
  const x = Float32Array.of(1, -1, 2, 3, 4, -5, 6, 7);
  const expected = Array.from(x, (v, i) => {
    const c = i < 4 ? 2 * v + 0.5 : -3 * v;
    return c >= 0 ? c : 0.25 * c;
  });
  const session = await ort.InferenceSession.create(bytes);
  try {
    const out = await session.run({ x: new ort.Tensor('float32', x, [1, 2, 2, 2]) });
    const y = Array.from(out.y!.data as Float32Array);
    for (const [i, e] of expected.entries()) assert.ok(Math.abs(y[i]! - e) < 1e-6, `y[${i}] = ${y[i]}, expected ${e}`);
  } finally {
    await session.release();
  }
});

test('attributes: integral numbers are INT unless forced to FLOAT; strings and lists keep their type', () => {
  const bytes = new OnnxGraphBuilder()
    .input('x', ['batch', 4])
    .node('Custom', ['x'], ['y'], { i: 3, f: 0.5, forced: { float: 1 }, ints: [1, 2], floats: [0.5, 1], forcedList: { floats: [1, 2] }, s: 'nearest', ss: ['a', 'b'] })
    .output('y', ['batch', 4], 'int64')
    .toBytes({}, 17);
  const model = decodeModel(bytes);
  assert.deepEqual(model.opset_import.map((o) => o.version), [17]);
  const attrs = Object.fromEntries(model.graph.node[0]!.attribute.map((a) => [a.name, a]));
  assert.deepEqual([attrs.i!.type, attrs.i!.i], [2, 3]);
  assert.deepEqual([attrs.f!.type, attrs.f!.f], [1, 0.5]);
  assert.deepEqual([attrs.forced!.type, attrs.forced!.f], [1, 1]);
  assert.deepEqual([attrs.ints!.type, attrs.ints!.ints], [7, [1, 2]]);
  assert.deepEqual([attrs.floats!.type, attrs.floats!.floats], [6, [0.5, 1]]);
  assert.deepEqual([attrs.forcedList!.type, attrs.forcedList!.floats], [6, [1, 2]]);
  assert.deepEqual([attrs.s!.type, new TextDecoder().decode(attrs.s!.s)], [3, 'nearest']);
  assert.deepEqual([attrs.ss!.type, attrs.ss!.strings!.map((s) => new TextDecoder().decode(s))], [8, ['a', 'b']]);
  assert.deepEqual(model.graph.input[0]!.type.tensor_type.shape.dim, [{ dim_param: 'batch' }, { dim_value: 4 }]);
  assert.equal(model.graph.output[0]!.type.tensor_type.elem_type, 7);
});

test('initializers keep their exact bytes and types', () => {
  const floats = Float32Array.of(1.5, -2, 3.25);
  const model = decodeModel(
    new OnnxGraphBuilder()
      .initializer('f', floats)
      .initializer('l', BigInt64Array.of(-1n, 2n ** 40n), [2, 1])
      .initializer('i', Int32Array.of(7))
      .toBytes(),
  );
  const [f, l, i] = model.graph.initializer;
  assert.deepEqual([f!.name, f!.data_type, f!.dims], ['f', 1, [3]]);
  assert.deepEqual(Array.from(new Float32Array(new Uint8Array(f!.raw_data).buffer)), Array.from(floats));
  assert.deepEqual([l!.data_type, l!.dims], [7, [2, 1]]);
  assert.deepEqual(Array.from(new BigInt64Array(new Uint8Array(l!.raw_data).buffer)), [-1n, 2n ** 40n]);
  assert.deepEqual([i!.data_type, i!.raw_data.byteLength], [6, 4]);
});

test('mistakes that would silently rewire a graph are refused', () => {
  const g = new OnnxGraphBuilder().input('x', [1]);
  assert.throws(() => g.initializer('x', Float32Array.of(1)), /duplicate tensor name x/);
  assert.throws(() => g.node('Relu', ['x'], ['x']), /duplicate tensor name x/);
  assert.throws(() => g.initializer('w', Float32Array.of(1, 2, 3), [2, 2]), /initializer w: dims \[2, 2\] hold 4 values, data has 3/);
});

test('metadata round-trips, and a model without any reads as {}', () => {
  const meta = { 'clouddetect.family': 'yolov8', 'clouddetect.labels': '["a","b"]', empty: '' };
  assert.deepEqual(readOnnxMetadata(new OnnxGraphBuilder().toBytes(meta)), meta);
  assert.deepEqual(readOnnxMetadata(new OnnxGraphBuilder().toBytes()), {});
  assert.throws(() => readOnnxMetadata(Uint8Array.of(0xff, 0xff, 0xff)), /not an ONNX model/);
});

test('metadata of real third-party models', (t) => {
  const yolox = path.join(shared, 'model/yolox_nano.onnx');
  const yolov8 = path.join(shared, 'model/yolov8n_int8.onnx');
  if (!existsSync(yolox) || !existsSync(yolov8)) return t.skip(`models not present under ${shared}/model`);
  assert.deepEqual(readOnnxMetadata(readFileSync(yolox)), {});
  const v8 = readOnnxMetadata(readFileSync(yolov8));
  assert.equal(v8.task, 'detect');
  assert.match(v8.names!, /0: 'person'/);
});
