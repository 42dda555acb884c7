/**
 * What a family factory needs to know about one concrete model file: its
 * tensor names, input size and labels. Everything else (resize, channel
 * order, scale, decoding) is fixed by the family.
 */
import type { OutputTensor } from './types.js';

export interface FamilyConfig {
  inputName: string;
  outputName: string;
  width: number;
  height: number;
  labels: readonly string[];
}

/** Checks an output is [1, rows, cols] and returns rows and cols. */
export function rank3(output: OutputTensor, family: string): { rows: number; cols: number } {
  const [batch, rows, cols] = output.dims;
  if (output.dims.length !== 3 || batch !== 1 || rows === undefined || cols === undefined) {
    throw new Error(`${family}: expected an output of shape [1, rows, cols], got [${output.dims.join(', ')}]`);
  }
  if (output.data.length < rows * cols) {
    throw new Error(`${family}: output holds ${output.data.length} values, shape [${output.dims.join(', ')}] needs ${rows * cols}`);
  }
  return { rows, cols };
}

/**
 * The best class of one objectness row (cx, cy, w, h, objectness, classes…)
 * and its final score, objectness × class score; undefined when the row is
 * below minScore. Objectness is checked first: score ≤ objectness, so most
 * rows stop there without scanning their classes.
 */
export function scoreObjectnessRow(d: Float32Array, offset: number, classes: number, minScore: number): { classId: number; score: number } | undefined {
  const objectness = d[offset + 4]!;
  if (objectness < minScore) return undefined;
  let classId = 0;
  let best = d[offset + 5]!;
  for (let c = 1; c < classes; c++) {
    const v = d[offset + 5 + c]!;
    if (v > best) {
      best = v;
      classId = c;
    }
  }
  const score = objectness * best;
  return score >= minScore ? { classId, score } : undefined;
}
