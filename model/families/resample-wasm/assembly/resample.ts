/**
 * The tensor loop of model/families/to-tensor.ts in WebAssembly SIMD
 * (AssemblyScript): the same 11-bit fixed-point bilinear blend, so the two
 * give identical tensors, with a pixel's three channels blended in one
 * i32x4 lane set instead of three scalar sums. Built into binary.ts by
 * `npm run build:wasm`; the host (index.ts) lays out the linear memory.
 */
const BITS: i32 = 11;
const ONE: i32 = 1 << BITS;
const SHIFT: i32 = 2 * BITS;
const HALF: i32 = 1 << (SHIFT - 1);

/** One RGB pixel as i32x4 (R, G, B, next byte); the host leaves slack after the pixels for the fourth byte. */
@inline function pixel(at: usize): v128 {
  return i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(v128.load32_zero(at)));
}

/**
 * Output rows [y0, y1) of the placed image. `src` holds the source bytes
 * from offset `base` on (a band of rows), the tables are the host's
 * SampleAxis arrays in fixed point (x offsets in bytes within a row, y
 * offsets in bytes from the image's start), and `out` the whole tensor
 * (`float`: f32 elements, else u8).
 */
export function blendRows(
  src: usize, base: i32,
  xlo: usize, xhi: usize, xw: usize, placedW: i32,
  ylo: usize, yhi: usize, yw: usize, y0: i32, y1: i32,
  out: usize, outW: i32, padX: i32, padY: i32, pixelStep: i32, channelStep: i32,
  bgr: bool, float: bool, scale: f64,
): void {
  const half = i32x4.splat(HALF);
  const size: usize = float ? 4 : 1;
  const cs = <usize>channelStep * size;
  const ps = <usize>pixelStep * size;
  for (let oy = y0; oy < y1; oy++) {
    const row = <usize>oy << 2;
    const top = src + <usize>(load<i32>(ylo + row) - base);
    const bottom = src + <usize>(load<i32>(yhi + row) - base);
    const wy = load<i32>(yw + row);
    const wy0 = ONE - wy;
    let q = out + <usize>(((oy + padY) * outW + padX) * pixelStep) * size;
    for (let ox: i32 = 0; ox < placedW; ox++, q += ps) {
      const col = <usize>ox << 2;
      const left = <usize>load<i32>(xlo + col);
      const right = <usize>load<i32>(xhi + col);
      const wx = load<i32>(xw + col);
      const wx0 = ONE - wx;
      let v = i32x4.mul(pixel(top + left), i32x4.splat(wx0 * wy0));
      v = i32x4.add(v, i32x4.mul(pixel(top + right), i32x4.splat(wx * wy0)));
      v = i32x4.add(v, i32x4.mul(pixel(bottom + left), i32x4.splat(wx0 * wy)));
      v = i32x4.add(v, i32x4.mul(pixel(bottom + right), i32x4.splat(wx * wy)));
      v = i32x4.shr_s(i32x4.add(v, half), SHIFT);
      if (float) {
        // scaled in double precision and rounded once, as the JavaScript loop does, so both give the same floats
        const a = <f32>(<f64>i32x4.extract_lane(v, 0) * scale);
        const c = <f32>(<f64>i32x4.extract_lane(v, 2) * scale);
        store<f32>(q, bgr ? c : a);
        store<f32>(q + cs, <f32>(<f64>i32x4.extract_lane(v, 1) * scale));
        store<f32>(q + 2 * cs, bgr ? a : c);
      } else {
        const a = <u8>i32x4.extract_lane(v, 0);
        const c = <u8>i32x4.extract_lane(v, 2);
        store<u8>(q, bgr ? c : a);
        store<u8>(q + cs, <u8>i32x4.extract_lane(v, 1));
        store<u8>(q + 2 * cs, bgr ? a : c);
      }
    }
  }
}
