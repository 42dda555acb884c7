/**
 * Candidates in network-input pixels → contract detections in original-image
 * pixels. Pure, shared by every family.
 */
import { nms, type Corners } from './nms.js';
import type { Candidate, Detection, Placement } from './types.js';

export interface DetectionOptions {
  iouThreshold: number;
  /** suppress only boxes of the same class (the darknet/OpenCV behaviour) */
  classWise: boolean;
  maxDetections?: number;
}

export function toDetections(
  candidates: readonly Candidate[],
  placement: Placement,
  labels: readonly string[],
  opts: DetectionOptions,
): Detection[] {
  const { srcWidth, srcHeight, scaleX, scaleY, padX, padY } = placement;
  const mapped: Corners[] = [];
  for (const c of candidates) {
    const x1 = clamp((c.cx - c.w / 2 - padX) / scaleX, 0, srcWidth);
    const y1 = clamp((c.cy - c.h / 2 - padY) / scaleY, 0, srcHeight);
    const x2 = clamp((c.cx + c.w / 2 - padX) / scaleX, 0, srcWidth);
    const y2 = clamp((c.cy + c.h / 2 - padY) / scaleY, 0, srcHeight);
    // Boxes entirely in the padding collapse to nothing once clipped.
    if (x2 > x1 && y2 > y1) mapped.push({ x1, y1, x2, y2, score: c.score, classId: c.classId });
  }
  const kept = nms(mapped, opts.iouThreshold, opts.classWise);
  const limited = opts.maxDetections === undefined ? kept : kept.slice(0, opts.maxDetections);
  const detections: Detection[] = [];
  for (const k of limited) {
    const left = Math.round(k.x1);
    const top = Math.round(k.y1);
    const width = Math.round(k.x2) - left;
    const height = Math.round(k.y2) - top;
    if (width <= 0 || height <= 0) continue;
    detections.push({
      classId: k.classId,
      label: labels[k.classId] ?? `class ${k.classId}`,
      score: k.score,
      box: { left, top, width, height },
    });
  }
  return detections;
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
