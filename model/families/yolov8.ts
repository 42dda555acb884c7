/**
 * Ultralytics YOLOv8 detection export: output [1, 4 + C, N], channel-first,
 * cx, cy, w, h in input pixels then C class scores (no objectness). Input RGB,
 * 0-1, letterboxed in the centre with grey 114.
 */
import { rank3, type FamilyConfig } from './config.js';
import type { Candidate, InputSpec, ModelFamily, OutputTensor } from './types.js';

/** The input every Ultralytics export expects (detection and pose alike). */
export function ultralyticsInput(name: string, width: number, height: number): InputSpec {
  return { name, width, height, resize: 'letterbox-center', padValue: 114, channelOrder: 'RGB', layout: 'NCHW', dtype: 'float32', scale: 1 / 255 };
}

export function createYolov8(config: FamilyConfig): ModelFamily {
  return {
    family: 'yolov8',
    input: ultralyticsInput(config.inputName, config.width, config.height),
    outputName: config.outputName,
    labels: config.labels,
    decode: decodeYolov8,
  };
}

export function decodeYolov8(output: OutputTensor, minScore: number): Candidate[] {
  const { rows: channels, cols: anchors } = rank3(output, 'yolov8');
  const classes = channels - 4;
  if (classes < 1) throw new Error(`yolov8: ${channels} channels leave no class scores`);
  const d = output.data;
  const out: Candidate[] = [];
  for (let i = 0; i < anchors; i++) {
    let classId = 0;
    let best = d[4 * anchors + i]!;
    for (let c = 1; c < classes; c++) {
      const v = d[(4 + c) * anchors + i]!;
      if (v > best) {
        best = v;
        classId = c;
      }
    }
    if (best < minScore) continue;
    out.push({ cx: d[i]!, cy: d[anchors + i]!, w: d[2 * anchors + i]!, h: d[3 * anchors + i]!, score: best, classId });
  }
  return out;
}
