import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DarknetError } from '../../model/darknet/errors.js';
import { parseNetwork } from '../../model/darknet/network.js';
import { randomWeights } from '../../model/darknet/random-weights.js';
import { expectedFloatCount, readWeightsHeader, sliceWeights } from '../../model/darknet/weights.js';

const here = path.dirname(fileURLToPath(import.meta.url));

/** conv (batch norm, 2 filters, 1x1 over 3 channels) → head conv (6 filters) → [yolo]. */
const CFG = `[net]
width=8
height=8
[convolutional]
batch_normalize=1
filters=2
size=1
activation=leaky
[convolutional]
filters=6
size=1
activation=linear
[yolo]
mask=0
anchors=2,2
classes=1
`;
// conv 0: 2 biases + 3×2 batch norm + 2·3 kernel = 14; conv 1: 6 biases + 6·2 kernel = 18
const FLOATS = 32;

/** A weights file whose floats count 0, 1, 2, ... so every slice is recognisable. */
function countingWeights(major: number, minor: number, seen: bigint, floats = FLOATS): Buffer {
  const wide = major * 10 + minor >= 2;
  const header = Buffer.alloc(wide ? 20 : 16);
  header.writeInt32LE(major, 0);
  header.writeInt32LE(minor, 4);
  header.writeInt32LE(7, 8);
  if (wide) header.writeBigUInt64LE(seen, 12);
  else header.writeUInt32LE(Number(seen), 12);
  const body = Buffer.from(Float32Array.from({ length: floats }, (_, i) => i).buffer);
  return Buffer.concat([header, body]);
}

test('every header version: 32-bit seen before 0.2, 64-bit from 0.2 on', () => {
  const cases: Array<[number, number, bigint, number]> = [
    [0, 1, 123n, 16],
    [0, 2, 2n ** 40n, 20],
    [1, 0, 5n, 20],
  ];
  for (const [major, minor, seen, byteLength] of cases) {
    assert.deepEqual(readWeightsHeader(countingWeights(major, minor, seen)), { major, minor, revision: 7, seen, byteLength });
  }
});

test('floats are sliced in Darknet order: biases, scales, means, variances, kernel', () => {
  const network = parseNetwork(CFG);
  assert.equal(expectedFloatCount(network), FLOATS);
  for (const [major, minor] of [[0, 1], [0, 2]] as const) {
    const { convs } = sliceWeights(network, countingWeights(major, minor, 0n));
    const bn = convs.get(0)!;
    assert.deepEqual(Array.from(bn.biases), [0, 1]);
    assert.deepEqual(Array.from(bn.batchNorm!.scales), [2, 3]);
    assert.deepEqual(Array.from(bn.batchNorm!.means), [4, 5]);
    assert.deepEqual(Array.from(bn.batchNorm!.variances), [6, 7]);
    assert.deepEqual(Array.from(bn.kernel), [8, 9, 10, 11, 12, 13]);
    const plain = convs.get(1)!;
    assert.equal(plain.batchNorm, undefined);
    assert.deepEqual(Array.from(plain.biases), [14, 15, 16, 17, 18, 19]);
    assert.deepEqual(Array.from(plain.kernel), Array.from({ length: 12 }, (_, i) => 20 + i));
  }
});

test('a buffer at an odd offset reads the same floats', () => {
  const file = countingWeights(0, 2, 0n);
  const shifted = new Uint8Array(file.byteLength + 1).subarray(1);
  shifted.set(file);
  const { convs } = sliceWeights(parseNetwork(CFG), shifted);
  assert.deepEqual(Array.from(convs.get(1)!.kernel), Array.from({ length: 12 }, (_, i) => 20 + i));
});

test('a size mismatch says how many floats were expected and found', () => {
  const network = parseNetwork(CFG, 'tiny.cfg');
  const expectMismatch = (bytes: Uint8Array, message: RegExp) =>
    assert.throws(() => sliceWeights(network, bytes), (err: unknown) => err instanceof DarknetError && err.code === 'WEIGHTS_MISMATCH' && message.test(err.message));
  expectMismatch(countingWeights(0, 2, 0n, FLOATS - 1), /tiny\.cfg: expected 32 floats after the 20-byte version 0\.2\.7 header, found 31$/);
  expectMismatch(countingWeights(0, 1, 0n, FLOATS + 5), /expected 32 floats after the 16-byte version 0\.1\.7 header, found 37$/);
  expectMismatch(Buffer.concat([countingWeights(0, 2, 0n), Buffer.alloc(2)]), /found 32\.50 \(not a whole number of floats\)/);
  expectMismatch(Buffer.alloc(8), /8 bytes, too short for a Darknet header/);
  expectMismatch(countingWeights(0, 2, 0n).subarray(0, 18), /too short for a version 0\.2 header \(20 bytes\)/);
});

test('random weights: same seed same bytes, and a file the reader accepts', () => {
  const cfg = readFileSync(path.join(here, 'fixtures/all-layers.cfg'), 'utf8');
  const a = randomWeights(cfg, 11);
  assert.ok(a.equals(randomWeights(cfg, 11)));
  assert.ok(!a.equals(randomWeights(cfg, 12)));
  const network = parseNetwork(cfg);
  const { header, convs } = sliceWeights(network, a);
  assert.deepEqual([header.major, header.minor, header.revision, header.seen], [0, 2, 0, 0n]);
  assert.equal(a.byteLength, 20 + 4 * expectedFloatCount(network));
  for (const conv of convs.values()) {
    if (conv.batchNorm) assert.ok(conv.batchNorm.variances.every((v) => v > 0), 'batch-norm variances must be positive');
    assert.ok(conv.kernel.every(Number.isFinite));
    assert.ok(conv.kernel.some((v) => v !== 0));
  }
});

test('random weights can be written with an old 32-bit-seen header', () => {
  const file = randomWeights(CFG, 1, { major: 0, minor: 1, revision: 0 });
  assert.equal(readWeightsHeader(file).byteLength, 16);
  assert.equal(file.byteLength, 16 + 4 * FLOATS);
});
