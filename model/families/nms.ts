/**
 * Greedy non-maximum suppression over corner boxes. Pure; O(n²) per class,
 * which is fine for the few hundred candidates left after the score cut.
 */

export interface Corners {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  score: number;
  classId: number;
}

export function iou(a: Corners, b: Corners): number {
  const w = Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1);
  const h = Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  const union = (a.x2 - a.x1) * (a.y2 - a.y1) + (b.x2 - b.x1) * (b.y2 - b.y1) - inter;
  return union > 0 ? inter / union : 0;
}

/**
 * Keeps the best box of every overlapping group (IoU above the threshold).
 * With classWise, boxes of different classes never suppress each other.
 * Returns the kept boxes, best score first.
 */
export function nms<T extends Corners>(boxes: readonly T[], iouThreshold: number, classWise: boolean): T[] {
  const sorted = [...boxes].sort((a, b) => b.score - a.score);
  const kept: T[] = [];
  for (const box of sorted) {
    const suppressed = kept.some(
      (k) => (!classWise || k.classId === box.classId) && iou(k, box) > iouThreshold,
    );
    if (!suppressed) kept.push(box);
  }
  return kept;
}
