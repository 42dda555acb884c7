/**
 * Darknet .weights files: a small header, then raw little-endian float32s,
 * convolution by convolution in cfg order. Per convolution Darknet writes
 * biases[filters], then with batch_normalize scales, rolling means and
 * rolling variances (filters each), then the kernel in OIHW order, which is
 * also ONNX's Conv weight layout.
 */
import { DarknetError } from './errors.js';
import type { Network, ResolvedLayer } from './network.js';

export interface WeightsHeader {
  major: number;
  minor: number;
  revision: number;
  /** images seen in training; 64-bit from version 0.2 on, 32-bit before */
  seen: bigint;
  /** bytes before the first float: 16 or 20 */
  byteLength: number;
}

/** The float arrays of one convolution, as views into the weights file. */
export interface ConvWeights {
  biases: Float32Array;
  batchNorm?: { scales: Float32Array; means: Float32Array; variances: Float32Array };
  kernel: Float32Array;
}

type ConvLayer = ResolvedLayer & { kind: 'convolutional' };

/** Header length for a version: 4-byte major/minor/revision, then a 4- or 8-byte `seen`. */
export function headerByteLength(major: number, minor: number): number {
  return major * 10 + minor >= 2 ? 20 : 16;
}

export function readWeightsHeader(bytes: Uint8Array): WeightsHeader {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < 12) {
    throw new DarknetError('WEIGHTS_MISMATCH', `weights file is ${bytes.byteLength} bytes, too short for a Darknet header`);
  }
  const major = view.getInt32(0, true);
  const minor = view.getInt32(4, true);
  const revision = view.getInt32(8, true);
  const byteLength = headerByteLength(major, minor);
  if (bytes.byteLength < byteLength) {
    throw new DarknetError('WEIGHTS_MISMATCH', `weights file is ${bytes.byteLength} bytes, too short for a version ${major}.${minor} header (${byteLength} bytes)`);
  }
  const seen = byteLength === 20 ? view.getBigUint64(12, true) : BigInt(view.getUint32(12, true));
  return { major, minor, revision, seen, byteLength };
}

function convLayers(network: Network): ConvLayer[] {
  return network.layers.filter((l): l is ConvLayer => l.kind === 'convolutional');
}

/** Floats one convolution stores: biases, optional batch-norm triple, kernel. */
export function convFloatCount(layer: ConvLayer): number {
  const kernel = layer.filters * (layer.input.c / layer.groups) * layer.size * layer.size;
  return layer.filters * (layer.batchNormalize ? 4 : 1) + kernel;
}

/** Floats the cfg needs after the header. */
export function expectedFloatCount(network: Network): number {
  return convLayers(network).reduce((sum, l) => sum + convFloatCount(l), 0);
}

/**
 * Slice a weights file into per-convolution arrays (views, no copies when
 * the data is 4-byte aligned). Throws unless the file holds exactly the
 * floats the cfg needs: a short file would leave layers unset, a long one
 * means the cfg is not the one the weights were trained with.
 */
export function sliceWeights(network: Network, bytes: Uint8Array): { header: WeightsHeader; convs: Map<number, ConvWeights> } {
  const header = readWeightsHeader(bytes);
  const payload = bytes.byteLength - header.byteLength;
  const expected = expectedFloatCount(network);
  if (payload !== expected * 4) {
    const found = payload % 4 === 0 ? `${payload / 4}` : `${(payload / 4).toFixed(2)} (not a whole number of floats)`;
    throw new DarknetError(
      'WEIGHTS_MISMATCH',
      `weights do not match ${network.source}: expected ${expected} floats after the ${header.byteLength}-byte version ${header.major}.${header.minor}.${header.revision} header, found ${found}`,
    );
  }
  // Float32Array views need 4-byte alignment; Buffers from the pool may not have it.
  const aligned = (bytes.byteOffset + header.byteLength) % 4 === 0 ? bytes : bytes.slice();
  const floats = new Float32Array(aligned.buffer, aligned.byteOffset + header.byteLength, expected);
  const convs = new Map<number, ConvWeights>();
  let at = 0;
  const take = (n: number) => floats.subarray(at, (at += n));
  for (const layer of convLayers(network)) {
    const biases = take(layer.filters);
    const batchNorm = layer.batchNormalize
      ? { scales: take(layer.filters), means: take(layer.filters), variances: take(layer.filters) }
      : undefined;
    const kernel = take(convFloatCount(layer) - layer.filters * (layer.batchNormalize ? 4 : 1));
    convs.set(layer.index, batchNorm ? { biases, batchNorm, kernel } : { biases, kernel });
  }
  return { header, convs };
}
