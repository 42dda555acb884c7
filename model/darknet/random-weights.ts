/**
 * Seeded random weights for any supported cfg, so tests and benchmarks can
 * build models of any size without shipping multi-megabyte files.
 *
 * Random kernels alone let activations grow or vanish geometrically with
 * depth (a residual [shortcut] doubles the signal's power every block), so
 * a yolov3-sized network would output only saturated 0/1 scores and infinite
 * boxes. Instead, the generator follows the expected second moment E[x²] of
 * every layer's output through the cfg and scales each kernel so that its
 * convolution's output has E[y²] ≈ 1: uniform weights of variance
 * 1 / (fan-in · E[x²]). Batch-norm terms stay near the identity with
 * strictly positive variances. [yolo] logits thus land around ±1, where
 * sigmoid and exp still discriminate.
 */
import type { Activation } from './layers.js';
import { parseNetwork, type ResolvedLayer } from './network.js';
import { expectedFloatCount, headerByteLength } from './weights.js';
import { seededRng } from '../../lib/seeded-rng.js';

export interface WeightsVersion {
  major: number;
  minor: number;
  revision: number;
}

/** The version current Darknet writes: 64-bit `seen`. */
export const DEFAULT_VERSION: WeightsVersion = { major: 0, minor: 2, revision: 0 };

type ConvLayer = ResolvedLayer & { kind: 'convolutional' };

/** E[x²] of input pixels uniform in 0..1. */
const PIXEL_MOMENT = 1 / 3;

/** E[f(x)²] for x with E[x²] = 1, roughly: what each activation keeps of the signal's power. */
const ACTIVATION_GAIN: Record<Activation, number> = {
  linear: 1,
  leaky: 0.5,
  relu: 0.5,
  mish: 0.5,
  swish: 0.35,
  logistic: 0.3,
};

/**
 * Estimated E[x²] of every layer's output (index -1: the input), given that
 * each convolution is scaled to output E[y²] = 1 before its activation.
 */
function outputMoments(layers: readonly ResolvedLayer[]): Map<number, number> {
  const moments = new Map<number, number>([[-1, PIXEL_MOMENT]]);
  const of = (ref: number) => moments.get(ref)!;
  for (const layer of layers) {
    const first = of(layer.inputs[0]!);
    let moment: number;
    switch (layer.kind) {
      case 'convolutional':
        moment = ACTIVATION_GAIN[layer.activation];
        break;
      case 'shortcut':
        // Independent branches add their power.
        moment = ACTIVATION_GAIN[layer.activation] * (first + of(layer.inputs[1]!));
        break;
      case 'maxpool':
        // The max of a window is larger than a typical element; 2x is close for 2x2 windows.
        moment = layer.size > 1 ? 2 * first : first;
        break;
      case 'route': {
        const channels = layer.inputs.map((ref) => layers[ref]!.output.c);
        const total = channels.reduce((a, b) => a + b, 0);
        moment = layer.inputs.reduce((sum, ref, i) => sum + (of(ref) * channels[i]!) / total, 0);
        break;
      }
      case 'upsample':
      case 'yolo':
        moment = first;
        break;
    }
    moments.set(layer.index, moment);
  }
  return moments;
}

/**
 * A complete .weights file (header + floats) matching `cfgText`, the same
 * bytes for the same seed.
 * @param version header version @default DEFAULT_VERSION (0.2.0, 64-bit seen)
 */
export function randomWeights(cfgText: string, seed: number, version: WeightsVersion = DEFAULT_VERSION): Buffer {
  const network = parseNetwork(cfgText);
  const convs = network.layers.filter((l): l is ConvLayer => l.kind === 'convolutional');
  const headerBytes = headerByteLength(version.major, version.minor);
  const floatCount = expectedFloatCount(network);
  const out = Buffer.alloc(headerBytes + floatCount * 4);
  out.writeInt32LE(version.major, 0);
  out.writeInt32LE(version.minor, 4);
  out.writeInt32LE(version.revision, 8);
  // `seen` stays 0: nothing was trained.

  const moments = outputMoments(network.layers);
  const random = seededRng(seed);
  const uniform = (lo: number, hi: number) => lo + (hi - lo) * random();
  const floats = new Float32Array(out.buffer, out.byteOffset + headerBytes, floatCount);
  let at = 0;
  const fill = (n: number, lo: number, hi: number) => {
    for (let i = 0; i < n; i += 1) floats[at++] = uniform(lo, hi);
  };
  for (const layer of convs) {
    const n = layer.filters;
    const fanIn = (layer.input.c / layer.groups) * layer.size * layer.size;
    fill(n, -0.1, 0.1); // biases (batch-norm beta when batch_normalize=1)
    if (layer.batchNormalize) {
      fill(n, 0.8, 1.2); // scales (gamma)
      fill(n, -0.1, 0.1); // rolling means
      fill(n, 0.5, 1.5); // rolling variances: positive, so sqrt is real
    }
    // Uniform(-a, a) has variance a²/3, and E[y²] = fanIn · variance · E[x²].
    const a = Math.sqrt(3 / (fanIn * moments.get(layer.inputs[0]!)!));
    fill(n * fanIn, -a, a);
  }
  return out;
}
