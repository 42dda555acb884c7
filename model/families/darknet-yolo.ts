/**
 * Darknet YOLO (yolov3-tiny and friends) converted by model/convert.ts. The
 * converter's `detections` output is [1, N, 5 + C]: cx, cy, w, h in input
 * pixels, objectness, then class probabilities not yet multiplied by the
 * objectness. Input as OpenCV's blobFromImage(img, 1/255, size, swapRB=true):
 * RGB, 0-1, plain resize.
 */
import { rank3, scoreObjectnessRow, type FamilyConfig } from './config.js';
import type { Candidate, ModelFamily, OutputTensor } from './types.js';

export function createDarknetYolo(config: FamilyConfig): ModelFamily {
  return {
    family: 'darknet-yolo',
    input: {
      name: config.inputName,
      width: config.width,
      height: config.height,
      resize: 'stretch',
      padValue: 0,
      channelOrder: 'RGB',
      layout: 'NCHW',
      dtype: 'float32',
      scale: 1 / 255,
    },
    outputName: config.outputName,
    labels: config.labels,
    decode: (output, minScore) => decodeObjectnessRows(output, minScore, 'darknet-yolo'),
  };
}

/** Rows of cx, cy, w, h, objectness, class scores... with boxes already in input pixels. */
export function decodeObjectnessRows(output: OutputTensor, minScore: number, family: string): Candidate[] {
  const { rows, cols } = rank3(output, family);
  const classes = cols - 5;
  if (classes < 1) throw new Error(`${family}: rows of ${cols} values leave no class scores`);
  const d = output.data;
  const out: Candidate[] = [];
  for (let r = 0, o = 0; r < rows; r++, o += cols) {
    const hit = scoreObjectnessRow(d, o, classes, minScore);
    if (hit) out.push({ cx: d[o]!, cy: d[o + 1]!, w: d[o + 2]!, h: d[o + 3]!, ...hit });
  }
  return out;
}
