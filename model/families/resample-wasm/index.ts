/**
 * The host side of the WebAssembly tensor loop (assembly/resample.ts): lays
 * out its linear memory, copies the source rows in and the tensor out. The
 * module gives the same tensor as the JavaScript loop in less than a third
 * of its CPU (`npm run bench -- preprocess`); the copies in and out cost a
 * few hundredths of a millisecond per COCO photo.
 *
 * The memory is one instance's, used by one synchronous call at a time and
 * only ever grown, so it holds the largest tensor seen plus one band of
 * source rows: the source is copied in bands of at most BAND_BYTES, so a
 * large photo does not pin its size in memory for the life of the process.
 */
import type { InputSpec, Placement } from '../types.js';
import { RESAMPLE_WASM_BASE64 } from './binary.js';

/** The fixed-point sample tables of one axis: byte offsets of the two samples, weight of the second in 1/2048. */
export interface FixedAxis {
  lo: Int32Array;
  hi: Int32Array;
  weight: Int32Array;
}

export interface WasmBlendJob {
  src: Uint8Array;
  /** bytes per source row (width × 3) */
  rowBytes: number;
  xs: FixedAxis;
  ys: FixedAxis;
  placed: { width: number; height: number };
  placement: Placement;
  input: InputSpec;
  pixelStep: number;
  channelStep: number;
  bgr: boolean;
  /** the tensor: every value is written, the padding included */
  out: Float32Array | Uint8Array;
}

/** Source bytes copied into the module at once: a 640 × 480 photo (0.9 MB) in one band. */
export const BAND_BYTES = 4 * 2 ** 20;
/** After the band, so `v128.load32_zero` at the last pixel reads inside the memory. */
const SLACK = 16;
const PAGE = 65536;

/**
 * The little of the WebAssembly JS API used here: the ES lib has no
 * declarations for it, and the DOM lib would declare browser globals that
 * Node.js does not have.
 */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}
const { WebAssembly: wasmApi } = globalThis as unknown as { WebAssembly: WasmApi };

interface Exports {
  memory: { readonly buffer: ArrayBuffer; grow(pages: number): number };
  blendRows(
    src: number, base: number,
    xlo: number, xhi: number, xw: number, placedW: number,
    ylo: number, yhi: number, yw: number, y0: number, y1: number,
    out: number, outW: number, padX: number, padY: number, pixelStep: number, channelStep: number,
    bgr: number, float: number, scale: number,
  ): void;
}

let exports: Exports | undefined;

function module(): Exports {
  exports ??= new wasmApi.Instance(new wasmApi.Module(Buffer.from(RESAMPLE_WASM_BASE64, 'base64')), {}).exports as unknown as Exports;
  return exports;
}

/** Whether the module can take this job: two source rows must fit in one band. */
export function wasmBlendFits(rowBytes: number): boolean {
  return 2 * rowBytes <= BAND_BYTES;
}

const align = (n: number) => (n + 15) & ~15;

/** Writes the whole tensor into `job.out`, padding included, as the JavaScript loop would. */
export function wasmBlend(job: WasmBlendJob): void {
  const { src, rowBytes, xs, ys, placed, placement, input, out } = job;
  if (!wasmBlendFits(rowBytes)) throw new RangeError(`a source row of ${rowBytes} bytes does not fit the WebAssembly band`);
  const wasm = module();
  const width = placed.width;
  const height = placed.height;
  const tables = 0;
  const tensorAt = align(tables + 4 * (3 * width + 3 * height));
  const bandAt = align(tensorAt + out.byteLength);
  const need = bandAt + BAND_BYTES + SLACK;
  const have = wasm.memory.buffer.byteLength;
  if (have < need) wasm.memory.grow(Math.ceil((need - have) / PAGE));

  const memory = wasm.memory.buffer;
  const table = new Int32Array(memory, tables, 3 * width + 3 * height);
  table.set(xs.lo, 0);
  table.set(xs.hi, width);
  table.set(xs.weight, 2 * width);
  table.set(ys.lo, 3 * width);
  table.set(ys.hi, 3 * width + height);
  table.set(ys.weight, 3 * width + 2 * height);
  const tensor = out instanceof Float32Array ? new Float32Array(memory, tensorAt, out.length) : new Uint8Array(memory, tensorAt, out.length);
  tensor.fill(input.padValue * input.scale);
  const band = new Uint8Array(memory, bandAt, BAND_BYTES);
  const float = out instanceof Float32Array ? 1 : 0;

  for (let y0 = 0; y0 < height; ) {
    const base = ys.lo[y0]!;
    let y1 = y0 + 1;
    while (y1 < height && ys.hi[y1]! + rowBytes - base <= BAND_BYTES) y1++;
    const end = Math.min(ys.hi[y1 - 1]! + rowBytes, src.length);
    band.set(src.subarray(base, end));
    wasm.blendRows(
      bandAt, base,
      tables, tables + 4 * width, tables + 8 * width, width,
      tables + 12 * width, tables + 12 * width + 4 * height, tables + 12 * width + 8 * height, y0, y1,
      tensorAt, input.width, placement.padX, placement.padY, job.pixelStep, job.channelStep,
      job.bgr ? 1 : 0, float, input.scale,
    );
    y0 = y1;
  }
  out.set(tensor);
}
