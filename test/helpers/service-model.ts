/**
 * A model the project makes itself: a tiny Darknet network with random
 * weights, converted to ONNX by the project's own converter. Its boxes mean
 * nothing, but it is a real ONNX file that the real service can load, so
 * process-level tests do not depend on ../shared.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { convertDarknet } from '../../model/convert.js';
import { randomWeights } from '../../model/darknet/random-weights.js';

export const TINY_CFG = `
[net]
width=64
height=64
channels=3

[convolutional]
batch_normalize=1
filters=8
size=3
stride=1
pad=1
activation=leaky

[maxpool]
size=2
stride=2

[convolutional]
batch_normalize=1
filters=16
size=3
stride=1
pad=1
activation=leaky

[maxpool]
size=2
stride=2

[convolutional]
size=1
stride=1
pad=1
filters=21
activation=linear

[yolo]
mask=0,1,2
anchors=10,14,23,27,37,58
classes=2
num=3
`;

export const TINY_LABELS = ['thing', 'other thing'];

/** Writes the tiny random model into `dir` and returns its path. */
export async function writeGeneratedModel(dir: string, seed = 7): Promise<string> {
  const { model } = convertDarknet({ cfgText: TINY_CFG, weights: randomWeights(TINY_CFG, seed), labels: TINY_LABELS, sourceName: 'tiny.cfg' });
  const path = join(dir, 'tiny-random.onnx');
  await writeFile(path, model);
  return path;
}
