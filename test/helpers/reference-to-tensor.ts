/**
 * The resampling the service used before its integer fixed-point loop
 * (model/families/to-tensor.ts): per-pixel floating-point bilinear blend,
 * rounded to whole byte values. Kept only as the "old path" the detection
 * test compares the served path against.
 */
import type { InputSpec, Placement, RgbImage } from '../../model/families/index.js';
import { tensorFrame } from '../../model/families/to-tensor.js';

export function referenceToTensor(src: RgbImage, placement: Placement, input: InputSpec): Float32Array | Uint8Array {
  const { out, placed, xs, ys, pixelStep, channelStep, channels: [s0, s1, s2] } = tensorFrame(src, placement, input);
  const outW = input.width;
  const scale = input.scale;
  const p = src.data;

  for (let oy = 0; oy < placed.height; oy++) {
    const top = ys.lo[oy]!;
    const bottom = ys.hi[oy]!;
    const wy = ys.weight[oy]!;
    let o = ((oy + placement.padY) * outW + placement.padX) * pixelStep;
    for (let ox = 0; ox < placed.width; ox++, o += pixelStep) {
      const left = xs.lo[ox]!;
      const right = xs.hi[ox]!;
      const wx = xs.weight[ox]!;
      const a = top + left;
      const b = top + right;
      const c = bottom + left;
      const d = bottom + right;
      out[o] = lerp2(p, a + s0, b + s0, c + s0, d + s0, wx, wy) * scale;
      out[o + channelStep] = lerp2(p, a + s1, b + s1, c + s1, d + s1, wx, wy) * scale;
      out[o + 2 * channelStep] = lerp2(p, a + s2, b + s2, c + s2, d + s2, wx, wy) * scale;
    }
  }
  return out;
}

/** Rounded to a whole byte value (the sum is never negative), as OpenCV's 8-bit resize does, so a float tensor holds exactly k × scale. */
function lerp2(p: Uint8Array, a: number, b: number, c: number, d: number, wx: number, wy: number): number {
  const upper = p[a]! + (p[b]! - p[a]!) * wx;
  const lower = p[c]! + (p[d]! - p[c]!) * wx;
  return (upper + (lower - upper) * wy + 0.5) | 0;
}
