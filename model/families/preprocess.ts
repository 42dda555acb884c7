/**
 * Encoded image → network input tensor: one sharp pipeline (EXIF
 * orientation, resize, padding) to interleaved 8-bit RGB, then one loop into
 * the layout, channel order, dtype and scale the model wants.
 */
import sharp, { type Metadata } from 'sharp';
import { placementFor, resizedSize } from './placement.js';
import type { InputSpec, Placement } from './types.js';

export type ImageErrorKind = 'unsupported' | 'too-many-pixels' | 'corrupt';

/** An image the service cannot use; `kind` picks the HTTP status. */
export class ImageError extends Error {
  override readonly name = 'ImageError';
  constructor(
    readonly kind: ImageErrorKind,
    message: string,
  ) {
    super(message);
  }
}

export interface PreprocessOptions {
  /** largest width × height accepted before decoding the pixels */
  maxPixels: number;
}

export interface Preprocessed {
  tensor: Float32Array | Uint8Array;
  dims: number[];
  placement: Placement;
}

export async function preprocess(image: Buffer, input: InputSpec, opts: PreprocessOptions): Promise<Preprocessed> {
  if (input.dtype === 'uint8' && input.scale !== 1) {
    throw new RangeError(`input ${input.name}: a uint8 tensor cannot carry scale ${input.scale}`);
  }
  const { width: srcWidth, height: srcHeight } = await orientedSize(image, opts.maxPixels);
  const placement = placementFor(srcWidth, srcHeight, input);
  const resized = resizedSize(placement);
  const pad = { r: input.padValue, g: input.padValue, b: input.padValue };
  let pixels: Buffer;
  try {
    pixels = await sharp(image, { limitInputPixels: opts.maxPixels, autoOrient: true, failOn: 'error' })
      .resize(resized.width, resized.height, { fit: 'fill', kernel: 'linear' })
      .flatten({ background: pad })
      .toColourspace('srgb')
      .extend({
        left: placement.padX,
        top: placement.padY,
        right: input.width - resized.width - placement.padX,
        bottom: input.height - resized.height - placement.padY,
        background: pad,
      })
      .raw()
      .toBuffer();
  } catch (err) {
    throw toImageError(err);
  }
  if (pixels.length !== input.width * input.height * 3) {
    throw new ImageError('unsupported', `decoded to ${pixels.length} bytes, expected ${input.width}x${input.height} RGB`);
  }
  const dims = input.layout === 'NCHW' ? [1, 3, input.height, input.width] : [1, input.height, input.width, 3];
  return { tensor: toTensor(pixels, input), dims, placement };
}

/** Width and height after EXIF rotation, read from the header only. */
async function orientedSize(image: Buffer, maxPixels: number): Promise<{ width: number; height: number }> {
  let meta: Metadata;
  try {
    meta = await sharp(image, { limitInputPixels: maxPixels }).metadata();
  } catch (err) {
    throw toImageError(err);
  }
  const { width, height } = meta.autoOrient;
  if (!(width > 0 && height > 0)) throw new ImageError('corrupt', 'image has no size');
  if (width * height > maxPixels) {
    throw new ImageError('too-many-pixels', `image is ${width}x${height}, more than the ${maxPixels} pixel limit`);
  }
  return { width, height };
}

/** Interleaved RGB bytes → the model's tensor. The hot loop of every request. */
export function toTensor(rgb: Uint8Array, input: InputSpec): Float32Array | Uint8Array {
  const plane = input.width * input.height;
  // Source channel for each output channel position.
  const [s0, s1, s2] = input.channelOrder === 'RGB' ? [0, 1, 2] : [2, 1, 0];
  if (input.dtype === 'uint8') {
    if (input.layout === 'NHWC' && input.channelOrder === 'RGB') return new Uint8Array(rgb.subarray(0, plane * 3));
    const out = new Uint8Array(plane * 3);
    fill(out, rgb, plane, s0, s1, s2, 1, input.layout);
    return out;
  }
  const out = new Float32Array(plane * 3);
  fill(out, rgb, plane, s0, s1, s2, input.scale, input.layout);
  return out;
}

function fill(
  out: Float32Array | Uint8Array,
  rgb: Uint8Array,
  plane: number,
  s0: number,
  s1: number,
  s2: number,
  scale: number,
  layout: InputSpec['layout'],
): void {
  if (layout === 'NCHW') {
    const p1 = plane;
    const p2 = plane * 2;
    for (let i = 0, j = 0; i < plane; i++, j += 3) {
      out[i] = rgb[j + s0]! * scale;
      out[p1 + i] = rgb[j + s1]! * scale;
      out[p2 + i] = rgb[j + s2]! * scale;
    }
  } else {
    for (let j = 0; j < plane * 3; j += 3) {
      out[j] = rgb[j + s0]! * scale;
      out[j + 1] = rgb[j + s1]! * scale;
      out[j + 2] = rgb[j + s2]! * scale;
    }
  }
}

function toImageError(err: unknown): ImageError {
  if (err instanceof ImageError) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (/unsupported image format|no decoder|not a known file format/i.test(message)) {
    return new ImageError('unsupported', 'unsupported image format');
  }
  if (/pixel limit/i.test(message)) return new ImageError('too-many-pixels', 'image exceeds the pixel limit');
  return new ImageError('corrupt', `cannot decode image: ${message.split('\n')[0]}`);
}
