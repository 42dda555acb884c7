/**
 * Where an image of a given size lands inside the network input. Pure: the
 * same numbers drive the sharp pipeline (preprocess) and the mapping of boxes
 * back to the original image (toDetections), so the two cannot disagree.
 */
import type { InputSpec, Placement } from './types.js';

export function placementFor(srcWidth: number, srcHeight: number, input: InputSpec): Placement {
  if (!(srcWidth > 0 && srcHeight > 0)) {
    throw new RangeError(`image size must be positive, got ${srcWidth}x${srcHeight}`);
  }
  if (input.resize === 'stretch') {
    return { srcWidth, srcHeight, scaleX: input.width / srcWidth, scaleY: input.height / srcHeight, padX: 0, padY: 0 };
  }
  const ratio = Math.min(input.width / srcWidth, input.height / srcHeight);
  // The scales are the ones the pixels really went through after rounding to
  // whole pixels, so mapping back is exact even for very thin images.
  const width = clamp(Math.round(srcWidth * ratio), 1, input.width);
  const height = clamp(Math.round(srcHeight * ratio), 1, input.height);
  const centred = input.resize === 'letterbox-center';
  return {
    srcWidth,
    srcHeight,
    scaleX: width / srcWidth,
    scaleY: height / srcHeight,
    padX: centred ? Math.floor((input.width - width) / 2) : 0,
    padY: centred ? Math.floor((input.height - height) / 2) : 0,
  };
}

/** The size the image is resized to before padding. */
export function resizedSize(placement: Placement): { width: number; height: number } {
  return {
    width: Math.round(placement.srcWidth * placement.scaleX),
    height: Math.round(placement.srcHeight * placement.scaleY),
  };
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
