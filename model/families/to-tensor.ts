/**
 * Interleaved RGB pixels → the network's input tensor in one pass: bilinear
 * resampling to the placed size, letterbox padding, channel order, layout,
 * dtype and scale. Pure and synchronous; it is the hot loop of every request.
 *
 * The sampling is OpenCV's INTER_LINEAR (half-pixel centres, edge clamp, no
 * antialiasing), the resize the YOLO families were trained with. When the
 * source already has the placed size every weight is 0 and pixels are copied
 * exactly, so a caller that resized elsewhere pays only for the layout.
 *
 * The blend runs in WebAssembly SIMD (resample-wasm/) whenever two source
 * rows fit its band (rows of up to 699 050 pixels); the JavaScript loop here
 * is the same arithmetic for wider ones, and the reference the module is
 * tested against value for value.
 */
import { resizedSize } from './placement.js';
import { wasmBlend, wasmBlendFits, type FixedAxis } from './resample-wasm/index.js';
import type { InputSpec, Placement } from './types.js';

export interface RgbImage {
  /** width × height × 3 bytes, row-major, R G B */
  data: Uint8Array;
  width: number;
  height: number;
}

/**
 * Weights in 11-bit fixed point, as OpenCV's 8-bit INTER_LINEAR; the four
 * products of a pixel sum to at most 255 << 22, inside an int32. Integer
 * blending costs about a sixth less CPU than blending in floating point
 * (`npm run bench -- preprocess`), and the result is rounded to a whole byte
 * value, so a float tensor holds exactly k × scale.
 */
const BITS = 11;
const ONE = 1 << BITS;
const SHIFT = 2 * BITS;
const HALF = 1 << (SHIFT - 1);

/**
 * What every pass over the tensor needs: the placed size, where each output
 * pixel samples the source (float weights), where each channel comes from
 * and goes, with `out` already holding the padding. Shared with the test's
 * floating-point reference so the two differ only in the blend.
 */
export interface TensorFrame {
  out: Float32Array | Uint8Array;
  placed: { width: number; height: number };
  xs: SampleAxis;
  ys: SampleAxis;
  /** the same axes with 11-bit fixed-point weights, for the blends */
  fixed: { xs: FixedAxis; ys: FixedAxis };
  /** source byte offset of the tensor's channels 0, 1, 2 */
  channels: readonly [number, number, number];
  pixelStep: number;
  channelStep: number;
}

/** `padded: false` leaves `out`'s contents as they were, for a caller that writes every value itself. */
export function tensorFrame(src: RgbImage, placement: Placement, input: InputSpec, scratch?: ArrayBuffer, padded = true): TensorFrame {
  if (src.data.length < src.width * src.height * 3) {
    throw new RangeError(`RGB buffer holds ${src.data.length} bytes, fewer than ${src.width}x${src.height}x3`);
  }
  const plane = input.width * input.height;
  const bytes = plane * 3 * (input.dtype === 'uint8' ? 1 : 4);
  const buffer = scratch !== undefined && scratch.byteLength >= bytes ? scratch : new ArrayBuffer(bytes);
  const out = input.dtype === 'uint8' ? new Uint8Array(buffer, 0, plane * 3) : new Float32Array(buffer, 0, plane * 3);
  if (padded) out.fill(input.padValue * input.scale);
  const placed = resizedSize(placement);
  const nchw = input.layout === 'NCHW';
  const { xs, ys } = axes(src, placed);
  return {
    out,
    placed,
    xs: xs.float,
    ys: ys.float,
    fixed: { xs: xs.fixed, ys: ys.fixed },
    channels: input.channelOrder === 'RGB' ? [0, 1, 2] : [2, 1, 0],
    pixelStep: nchw ? 1 : 3,
    channelStep: nchw ? plane : 1,
  };
}

/** `scratch`, when given and large enough, holds the tensor instead of a fresh allocation (see BufferPool). */
export function toTensor(src: RgbImage, placement: Placement, input: InputSpec, scratch?: ArrayBuffer): Float32Array | Uint8Array {
  const rowBytes = src.width * 3;
  if (!wasmBlendFits(rowBytes)) return toTensorJs(src, placement, input, scratch);
  // the module pads its own copy of the tensor and hands back every value
  const { out, placed, fixed, pixelStep, channelStep, channels } = tensorFrame(src, placement, input, scratch, false);
  wasmBlend({ src: src.data, rowBytes, xs: fixed.xs, ys: fixed.ys, placed, placement, input, pixelStep, channelStep, bgr: channels[0] === 2, out });
  return out;
}

/** The blend in JavaScript: what the WebAssembly module computes, for sources whose rows it cannot take. */
export function toTensorJs(src: RgbImage, placement: Placement, input: InputSpec, scratch?: ArrayBuffer): Float32Array | Uint8Array {
  return blendJs(src, tensorFrame(src, placement, input, scratch), placement, input);
}

interface Axes {
  key: string;
  xs: { float: SampleAxis; fixed: FixedAxis };
  ys: { float: SampleAxis; fixed: FixedAxis };
}

/** The last shape's tables: a study sends photos of a few sizes, so most requests reuse them. */
let lastAxes: Axes | undefined;

function axes(src: RgbImage, placed: { width: number; height: number }): Axes {
  const key = `${src.width}x${src.height}>${placed.width}x${placed.height}`;
  if (lastAxes?.key !== key) {
    const xs = sampleAxis(src.width, placed.width, 3);
    const ys = sampleAxis(src.height, placed.height, src.width * 3);
    lastAxes = { key, xs: { float: xs, fixed: fixedPoint(xs) }, ys: { float: ys, fixed: fixedPoint(ys) } };
  }
  return lastAxes;
}

function blendJs(src: RgbImage, frame: TensorFrame, placement: Placement, input: InputSpec): Float32Array | Uint8Array {
  const { out, placed, pixelStep, channelStep, fixed: { xs, ys }, channels: [s0, s1, s2] } = frame;
  const outW = input.width;
  const scale = input.scale;
  const p = src.data;

  for (let oy = 0; oy < placed.height; oy++) {
    const top = ys.lo[oy]!;
    const bottom = ys.hi[oy]!;
    const wy = ys.weight[oy]!;
    const wy0 = ONE - wy;
    let o = ((oy + placement.padY) * outW + placement.padX) * pixelStep;
    for (let ox = 0; ox < placed.width; ox++, o += pixelStep) {
      const left = xs.lo[ox]!;
      const right = xs.hi[ox]!;
      const wx = xs.weight[ox]!;
      const wx0 = ONE - wx;
      const a = top + left;
      const b = top + right;
      const c = bottom + left;
      const d = bottom + right;
      const k00 = wx0 * wy0;
      const k01 = wx * wy0;
      const k10 = wx0 * wy;
      const k11 = wx * wy;
      out[o] = ((p[a + s0]! * k00 + p[b + s0]! * k01 + p[c + s0]! * k10 + p[d + s0]! * k11 + HALF) >> SHIFT) * scale;
      out[o + channelStep] = ((p[a + s1]! * k00 + p[b + s1]! * k01 + p[c + s1]! * k10 + p[d + s1]! * k11 + HALF) >> SHIFT) * scale;
      out[o + 2 * channelStep] = ((p[a + s2]! * k00 + p[b + s2]! * k01 + p[c + s2]! * k10 + p[d + s2]! * k11 + HALF) >> SHIFT) * scale;
    }
  }
  return out;
}

export interface SampleAxis {
  lo: Int32Array;
  hi: Int32Array;
  weight: Float64Array;
}

/**
 * Per output coordinate: the byte offsets (coordinate × `bytes`) of the two
 * source samples and the weight of the second in [0, 1), with OpenCV's
 * half-pixel centres and edge clamping.
 */
export function sampleAxis(srcSize: number, outSize: number, bytes: number): SampleAxis {
  const lo = new Int32Array(outSize);
  const hi = new Int32Array(outSize);
  const weight = new Float64Array(outSize);
  const ratio = srcSize / outSize;
  for (let i = 0; i < outSize; i++) {
    const at = (i + 0.5) * ratio - 0.5;
    let first = Math.floor(at);
    let w = at - first;
    if (first < 0) {
      first = 0;
      w = 0;
    }
    if (first >= srcSize - 1) {
      first = srcSize - 1;
      w = 0;
    }
    lo[i] = first * bytes;
    hi[i] = Math.min(first + 1, srcSize - 1) * bytes;
    weight[i] = w;
  }
  return { lo, hi, weight };
}

/** The axis with its weights in 1/ONE, for the fixed-point blend. */
function fixedPoint({ lo, hi, weight }: SampleAxis): FixedAxis {
  return { lo, hi, weight: Int32Array.from(weight, (w) => Math.round(w * ONE)) };
}
