/**
 * Encoded image → network input tensor. The header is read first (size after
 * EXIF rotation, pixel limit). Upright RGB or grey JPEGs, nearly every photo
 * a client sends, have it read from their markers (jpeg-header.ts), are
 * decoded by libjpeg-turbo directly and resampled in the same pass that
 * writes the tensor: sharp spends about three times libjpeg-turbo's CPU on
 * the decode alone (`npm run bench -- preprocess`), which under a 0.5 CPU
 * quota competes with a small model's inference. Everything else (EXIF
 * rotation, CMYK, alpha, PNG/WebP/…, very large images, any file whose
 * markers or data libjpeg-turbo's path does not take) goes through sharp,
 * which also gives the canonical error for broken input.
 *
 * Both paths ignore embedded ICC profiles of RGB images and read the stored
 * values, as OpenCV does in the pipelines these models were trained and
 * checked with.
 */
import jpegTurbo from '@julusian/jpeg-turbo';
import sharp, { type Metadata } from 'sharp';
import type { BufferPool } from './buffer-pool.js';
import { readJpegHeader, type JpegHeader } from './jpeg-header.js';
import { placementFor, resizedSize } from './placement.js';
import { toTensor, type RgbImage } from './to-tensor.js';
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
  /**
   * Scratch buffers for the decoded pixels and the tensor. The tensor's
   * buffer then belongs to the caller, who hands it back (`pool.give(tensor.buffer)`)
   * once the inference has read it.
   */
  pool?: BufferPool;
}

export interface Preprocessed {
  tensor: Float32Array | Uint8Array;
  dims: number[];
  placement: Placement;
}

/**
 * Largest JPEG decoded whole by the fast path. The full-size RGB buffer lives
 * until resampled (up to 24 MiB here, one per libuv thread); beyond this
 * sharp's shrink-on-load is both cheaper and bounded in memory.
 */
const FAST_PATH_MAX_PIXELS = 8_000_000;

export async function preprocess(image: Buffer, input: InputSpec, opts: PreprocessOptions): Promise<Preprocessed> {
  if (input.dtype === 'uint8' && input.scale !== 1) {
    throw new RangeError(`input ${input.name}: a uint8 tensor cannot carry scale ${input.scale}`);
  }
  const pool = opts.pool;
  const plain = readJpegHeader(image);
  if (plain && fastPathFits(plain)) {
    checkPixels(plain.width, plain.height, opts.maxPixels);
    const decoded = await decodeJpeg(image, plain.width, plain.height, pool);
    if (decoded) return toInput(decoded, input, pool);
  }
  const meta = await header(image, opts.maxPixels);
  const placement = placementFor(meta.autoOrient.width, meta.autoOrient.height, input);
  const pixels = await resizeWithSharp(image, meta, placement, input, opts.maxPixels);
  return toInput(pixels, input, pool, placement);
}

/**
 * Pixels → the network's tensor. `placement` is given when the pixels are
 * already at the placed size (sharp resized them); else they are the whole
 * image, in the fast path's pool buffer, handed back once resampled.
 */
function toInput(pixels: RgbImage, input: InputSpec, pool: BufferPool | undefined, placement?: Placement): Preprocessed {
  const place = placement ?? placementFor(pixels.width, pixels.height, input);
  const dims = input.layout === 'NCHW' ? [1, 3, input.height, input.width] : [1, input.height, input.width, 3];
  const tensor = toTensor(pixels, place, input, pool?.take(tensorBytes(input)));
  if (!placement) pool?.give(pixels.data.buffer as ArrayBuffer);
  return { tensor, dims, placement: place };
}

/** The header only: size after EXIF rotation, checked against the pixel limit before any pixel is decoded. */
async function header(image: Buffer, maxPixels: number): Promise<Metadata> {
  let meta: Metadata;
  try {
    meta = await sharp(image, { limitInputPixels: maxPixels }).metadata();
  } catch (err) {
    throw toImageError(err);
  }
  const { width, height } = meta.autoOrient;
  if (!(width > 0 && height > 0)) throw new ImageError('corrupt', 'image has no size');
  checkPixels(width, height, maxPixels);
  return meta;
}

function checkPixels(width: number, height: number, maxPixels: number): void {
  if (width * height > maxPixels) {
    throw new ImageError('too-many-pixels', `image is ${width}x${height}, more than the ${maxPixels} pixel limit`);
  }
}

/**
 * An upright 8-bit grey or three-component JPEG: what libjpeg-turbo alone
 * turns into the right RGB. CMYK/YCCK (four components), 12-bit and rotated
 * photos go through sharp.
 */
function fastPathFits(jpeg: JpegHeader): boolean {
  return (
    (jpeg.components === 1 || jpeg.components === 3) &&
    jpeg.precision === 8 &&
    jpeg.orientation === 1 &&
    jpeg.width * jpeg.height <= FAST_PATH_MAX_PIXELS
  );
}

function tensorBytes(input: InputSpec): number {
  return input.width * input.height * 3 * (input.dtype === 'uint8' ? 1 : 4);
}

/** libjpeg-turbo's decode on a libuv thread; undefined when it refuses, so sharp decides what the file is. */
async function decodeJpeg(image: Buffer, width: number, height: number, pool: BufferPool | undefined): Promise<RgbImage | undefined> {
  try {
    const bytes = width * height * 3;
    const decoded = pool
      ? await jpegTurbo.decompress(image, Buffer.from(pool.take(bytes), 0, bytes), { format: jpegTurbo.FORMAT_RGB })
      : await jpegTurbo.decompress(image, { format: jpegTurbo.FORMAT_RGB });
    // a header that disagrees with the decoder is sharp's to judge
    if (decoded.width !== width || decoded.height !== height) return undefined;
    return { data: decoded.data, width, height };
  } catch {
    return undefined;
  }
}

/**
 * sharp's pipeline to interleaved RGB at the placed size (rotation, alpha over
 * the pad colour, colour space). A CMYK image keeps its profile: without it
 * there is no faithful way to RGB.
 */
async function resizeWithSharp(image: Buffer, meta: Metadata, placement: Placement, input: InputSpec, maxPixels: number): Promise<RgbImage> {
  const { width, height } = resizedSize(placement);
  const pad = { r: input.padValue, g: input.padValue, b: input.padValue };
  let data: Buffer;
  try {
    data = await sharp(image, { limitInputPixels: maxPixels, autoOrient: true, ignoreIcc: meta.space !== 'cmyk', failOn: 'error' })
      .resize(width, height, { fit: 'fill', kernel: 'linear' })
      .flatten({ background: pad })
      .toColourspace('srgb')
      .raw()
      .toBuffer();
  } catch (err) {
    throw toImageError(err);
  }
  if (data.length !== width * height * 3) {
    throw new ImageError('unsupported', `decoded to ${data.length} bytes, expected ${width}x${height} RGB`);
  }
  return { data, width, height };
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
