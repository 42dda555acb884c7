/**
 * Megvii YOLOX exported without in-model decoding: output [1, N, 5 + C] of
 * raw grid offsets for strides 8, 16 and 32 (N = Σ (H/s)·(W/s)), then
 * sigmoid objectness and class scores. Input BGR, 0-255 unscaled,
 * letterboxed at the top-left with grey 114.
 */
import { rank3, scoreObjectnessRow, type FamilyConfig } from './config.js';
import type { Candidate, ModelFamily, OutputTensor } from './types.js';

export const YOLOX_STRIDES = [8, 16, 32] as const;

export function createYolox(config: FamilyConfig): ModelFamily {
  const grid = yoloxGrid(config.width, config.height);
  return {
    family: 'yolox',
    input: {
      name: config.inputName,
      width: config.width,
      height: config.height,
      resize: 'letterbox-topleft',
      padValue: 114,
      channelOrder: 'BGR',
      layout: 'NCHW',
      dtype: 'float32',
      scale: 1,
    },
    outputName: config.outputName,
    labels: config.labels,
    decode: (output, minScore) => decodeYolox(output, minScore, grid),
  };
}

export interface YoloxGrid {
  /** per row: grid x, grid y, stride */
  cells: Int32Array;
  rows: number;
}

/** The anchor-free grid of every output row, in output order (stride 8 first, row-major). */
export function yoloxGrid(width: number, height: number): YoloxGrid {
  const rows = yoloxRowCount(width, height);
  const cells = new Int32Array(rows * 3);
  let r = 0;
  for (const stride of YOLOX_STRIDES) {
    const gw = Math.floor(width / stride);
    const gh = Math.floor(height / stride);
    for (let y = 0; y < gh; y++) {
      for (let x = 0; x < gw; x++, r++) {
        cells[r * 3] = x;
        cells[r * 3 + 1] = y;
        cells[r * 3 + 2] = stride;
      }
    }
  }
  return { cells, rows };
}

export function yoloxRowCount(width: number, height: number): number {
  return YOLOX_STRIDES.reduce((n, s) => n + Math.floor(width / s) * Math.floor(height / s), 0);
}

export function decodeYolox(output: OutputTensor, minScore: number, grid: YoloxGrid): Candidate[] {
  const { rows, cols } = rank3(output, 'yolox');
  if (rows !== grid.rows) {
    throw new Error(`yolox: ${rows} output rows do not match the ${grid.rows} grid cells of the input size`);
  }
  const classes = cols - 5;
  if (classes < 1) throw new Error(`yolox: rows of ${cols} values leave no class scores`);
  const d = output.data;
  const cells = grid.cells;
  const out: Candidate[] = [];
  for (let r = 0, o = 0; r < rows; r++, o += cols) {
    const hit = scoreObjectnessRow(d, o, classes, minScore);
    if (!hit) continue;
    const stride = cells[r * 3 + 2]!;
    out.push({
      cx: (d[o]! + cells[r * 3]!) * stride,
      cy: (d[o + 1]! + cells[r * 3 + 1]!) * stride,
      w: Math.exp(d[o + 2]!) * stride,
      h: Math.exp(d[o + 3]!) * stride,
      ...hit,
    });
  }
  return out;
}
