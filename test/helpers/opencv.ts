/**
 * Run OpenCV's Darknet importer (test/helpers/opencv-darknet.py under the
 * system python3 with Debian's python3-opencv) and compare its [yolo]
 * outputs with the converted model's `detections`.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const PYTHON = '/usr/bin/python3';
const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'opencv-darknet.py');

/** Why OpenCV tests cannot run here, or undefined when they can. */
export async function openCvSkipReason(): Promise<string | undefined> {
  if (!existsSync(PYTHON)) return `${PYTHON} not found (install python3-opencv)`;
  try {
    await run(PYTHON, ['-c', 'import cv2, numpy'], { timeout: 30_000 });
    return undefined;
  } catch {
    return `cv2 not importable by ${PYTHON} (apt-get install python3-opencv)`;
  }
}

/** OpenCV's rows for every [yolo] layer, concatenated in network order. */
export async function openCvDarknet(cfgText: string, weights: Uint8Array, blob: Float32Array): Promise<{ rows: Float32Array; cols: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'clouddetect-opencv-'));
  try {
    const [cfg, wts, inp, out] = ['net.cfg', 'net.weights', 'blob.f32', 'out.f32'].map((f) => join(dir, f)) as [string, string, string, string];
    await Promise.all([writeFile(cfg, cfgText), writeFile(wts, weights), writeFile(inp, blob)]);
    const { stdout } = await run(PYTHON, [SCRIPT, cfg, wts, inp, out], { timeout: 120_000 });
    const outputs = (JSON.parse(stdout) as { outputs: Array<{ cols: number }> }).outputs;
    const bytes = await readFile(out);
    return { rows: new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4), cols: outputs[0]!.cols };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The converted model's `detections` rows as OpenCV's ONNX importer computes them. */
export async function openCvOnnx(model: Uint8Array, blob: Float32Array, input: { width: number; height: number }): Promise<Float32Array> {
  const dir = await mkdtemp(join(tmpdir(), 'clouddetect-opencv-'));
  try {
    const [onnx, inp, out] = ['model.onnx', 'blob.f32', 'out.f32'].map((f) => join(dir, f)) as [string, string, string];
    await Promise.all([writeFile(onnx, model), writeFile(inp, blob)]);
    await run(PYTHON, [SCRIPT, '--onnx', onnx, inp, out, String(input.width), String(input.height)], { timeout: 120_000 });
    const bytes = await readFile(out);
    return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export interface Comparison {
  /** rows compared */
  rows: number;
  /** largest |ours − OpenCV| / max(1, |OpenCV|) over boxes, objectness and kept class scores */
  worst: number;
  /** where `worst` was: row and column */
  worstAt: [number, number];
  /** class scores OpenCV kept (above its threshold) / all class scores */
  keptFraction: number;
  /** largest objectness×class we computed where OpenCV zeroed the score */
  maxDropped: number;
  /** smallest score OpenCV kept */
  minKept: number;
}

/**
 * Line up the two outputs. OpenCV rows are [cx, cy, w, h as fractions of
 * the input, objectness, objectness×class (0 below its threshold)]; ours are
 * [cx, cy, w, h in input pixels, objectness, class]. So boxes are scaled by
 * the input size, objectness is compared as is, and class scores are
 * compared as our objectness×class wherever OpenCV kept a value; where it
 * zeroed one, the caller checks our product stays below everything it kept.
 */
export function compareWithOpenCv(
  ours: Float32Array,
  cv: Float32Array,
  cols: number,
  input: { width: number; height: number },
): Comparison {
  if (ours.length !== cv.length) throw new Error(`ours has ${ours.length / cols} rows, OpenCV ${cv.length / cols}`);
  const rows = ours.length / cols;
  const scale = [input.width, input.height, input.width, input.height];
  let worst = 0;
  let worstAt: [number, number] = [0, 0];
  let kept = 0;
  let maxDropped = 0;
  let minKept = Infinity;
  const check = (mine: number, ref: number, row: number, col: number) => {
    const err = Math.abs(mine - ref) / Math.max(1, Math.abs(ref));
    if (!(err <= worst)) {
      worst = Number.isNaN(err) ? Infinity : err;
      worstAt = [row, col];
    }
  };
  for (let r = 0; r < rows; r += 1) {
    const o = r * cols;
    for (let c = 0; c < 4; c += 1) check(ours[o + c]!, cv[o + c]! * scale[c]!, r, c);
    const objectness = ours[o + 4]!;
    check(objectness, cv[o + 4]!, r, 4);
    for (let c = 5; c < cols; c += 1) {
      const product = objectness * ours[o + c]!;
      const ref = cv[o + c]!;
      if (ref > 0) {
        kept += 1;
        minKept = Math.min(minKept, ref);
        check(product, ref, r, c);
      } else {
        maxDropped = Math.max(maxDropped, product);
      }
    }
  }
  return { rows, worst, worstAt, keptFraction: kept / (rows * (cols - 5)), maxDropped, minKept };
}
