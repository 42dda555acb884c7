/**
 * Geometry of the top-down step, pure: a square window around a person box,
 * how that window lands in the single-person model's square input (the part
 * outside the visible region, the person box plus a margin, becomes black
 * padding), and the way back from model coordinates to image pixels.
 */
import type { Keypoint, PoseBox } from './types.js';

/** A square window in image pixels; it may reach outside the image. */
export interface SquareWindow {
  left: number;
  top: number;
  side: number;
}

/**
 * Where the window's visible part is cut from the image and where it is
 * drawn inside the model input. Black padding fills the rest of the input.
 */
export interface CropPlacement {
  /** integer region of the image to extract */
  extract: Region;
  /** integer size the extracted region is resized to */
  resized: { width: number; height: number };
  /** integer offset of the resized region inside the input */
  offset: { left: number; top: number };
  /** model input side in pixels */
  inputSize: number;
}

/**
 * Square window centred on the box with side = margin × the longer box side,
 * so the model sees the whole person plus some context, as MoveNet was trained.
 */
export function squareWindow(box: PoseBox, margin: number): SquareWindow {
  const side = Math.max(box.width, box.height, 1) * margin;
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  return { left: cx - side / 2, top: cy - side / 2, side };
}

/** An integer pixel rectangle. */
export interface Region {
  left: number;
  top: number;
  width: number;
  height: number;
}

/**
 * The pixels a crop may show: the image, narrowed to the person box grown by
 * `boxMargin` on every side. Blacking out the rest keeps a neighbour in a
 * crowd from pulling the single-person model off its own person.
 */
export function visibleRegion(box: PoseBox, boxMargin: number, imageWidth: number, imageHeight: number): Region {
  const gx = box.width * boxMargin;
  const gy = box.height * boxMargin;
  const left = clamp(Math.floor(box.x - gx), 0, imageWidth - 1);
  const top = clamp(Math.floor(box.y - gy), 0, imageHeight - 1);
  const right = clamp(Math.ceil(box.x + box.width + gx), left + 1, imageWidth);
  const bottom = clamp(Math.ceil(box.y + box.height + gy), top + 1, imageHeight);
  return { left, top, width: right - left, height: bottom - top };
}

/** Plan the crop of `window`, showing only `visible` pixels, into an inputSize² input. */
export function placeCrop(window: SquareWindow, visible: Region, inputSize: number): CropPlacement {
  const vRight = visible.left + visible.width;
  const vBottom = visible.top + visible.height;
  const left = clamp(Math.floor(Math.max(window.left, visible.left)), visible.left, vRight - 1);
  const top = clamp(Math.floor(Math.max(window.top, visible.top)), visible.top, vBottom - 1);
  const right = clamp(Math.ceil(Math.min(window.left + window.side, vRight)), left + 1, vRight);
  const bottom = clamp(Math.ceil(Math.min(window.top + window.side, vBottom)), top + 1, vBottom);
  const extract = { left, top, width: right - left, height: bottom - top };

  const scale = inputSize / window.side;
  const offset = {
    left: clamp(Math.round((left - window.left) * scale), 0, inputSize - 1),
    top: clamp(Math.round((top - window.top) * scale), 0, inputSize - 1),
  };
  const resized = {
    width: clamp(Math.round(extract.width * scale), 1, inputSize - offset.left),
    height: clamp(Math.round(extract.height * scale), 1, inputSize - offset.top),
  };
  return { extract, resized, offset, inputSize };
}

/**
 * Model output (y, x normalised to the input, score) → image pixels.
 * Uses the rounded placement actually drawn, so the mapping is exact for the
 * extracted region; points in the padding extrapolate linearly and are then
 * clamped to the image.
 */
export function mapKeypoint(
  yNorm: number,
  xNorm: number,
  score: number,
  placement: CropPlacement,
  imageWidth: number,
  imageHeight: number,
): Keypoint {
  const { extract, resized, offset, inputSize } = placement;
  const x = extract.left + ((xNorm * inputSize - offset.left) * extract.width) / resized.width;
  const y = extract.top + ((yNorm * inputSize - offset.top) * extract.height) / resized.height;
  return [clamp(x, 0, imageWidth), clamp(y, 0, imageHeight), score];
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(Math.max(v, lo), hi);
}
