/**
 * Cuts a planned square crop out of decoded RGB pixels into the model's
 * input buffer: extract the on-image part, resize it, pad with black to the
 * full square. The image is decoded once per request; each crop only
 * touches its own region.
 */
import sharp from 'sharp';
import type { CropPlacement } from './crop.js';

/** Decoded, EXIF-rotated, 3-channel pixels. */
export interface RgbImage {
  data: Buffer;
  width: number;
  height: number;
}

/** Writes inputSize × inputSize × 3 bytes of `placement` into `target` at `byteOffset`. */
export async function writeCrop(
  image: RgbImage,
  placement: CropPlacement,
  target: Uint8Array,
  byteOffset: number,
): Promise<void> {
  const { extract, resized, offset, inputSize } = placement;
  const pixels = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .extract(extract)
    .resize(resized.width, resized.height, { fit: 'fill' })
    .extend({
      top: offset.top,
      left: offset.left,
      bottom: inputSize - offset.top - resized.height,
      right: inputSize - offset.left - resized.width,
      background: { r: 0, g: 0, b: 0 },
    })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const { width, height, channels } = pixels.info;
  if (width !== inputSize || height !== inputSize || channels !== 3) {
    throw new Error(`crop came out ${width}×${height}×${channels}, expected ${inputSize}×${inputSize}×3`);
  }
  target.set(pixels.data, byteOffset);
}
