/**
 * YOLO-pose candidates in network-input pixels → people in original-image
 * pixels, pure: undo the letterbox for boxes and keypoints alike, then the
 * shared NMS (which carries the keypoints along with each box).
 */
import { nms, type Placement } from '../families/index.js';
import type { Corners } from '../families/nms.js';
import type { PoseCandidate } from './yolo-pose-decode.js';
import type { Keypoint, PosePerson } from './types.js';

export interface PeopleOptions {
  iouThreshold: number;
  maxPeople: number;
}

export function toPeople(candidates: readonly PoseCandidate[], placement: Placement, opts: PeopleOptions): PosePerson[] {
  const { srcWidth, srcHeight, scaleX, scaleY, padX, padY } = placement;
  const mapX = (x: number) => clamp((x - padX) / scaleX, 0, srcWidth);
  const mapY = (y: number) => clamp((y - padY) / scaleY, 0, srcHeight);

  const mapped: Array<Corners & { keypoints: Keypoint[] }> = [];
  for (const c of candidates) {
    const x1 = mapX(c.cx - c.w / 2);
    const y1 = mapY(c.cy - c.h / 2);
    const x2 = mapX(c.cx + c.w / 2);
    const y2 = mapY(c.cy + c.h / 2);
    if (!(x2 > x1 && y2 > y1)) continue;
    const keypoints = c.keypoints.map(([x, y, s]): Keypoint => [mapX(x), mapY(y), s]);
    mapped.push({ x1, y1, x2, y2, score: c.score, classId: 0, keypoints });
  }
  return nms(mapped, opts.iouThreshold, false)
    .slice(0, opts.maxPeople)
    .map((k) => ({
      // whole pixels, like the detection endpoint's boxes
      box: { x: Math.round(k.x1), y: Math.round(k.y1), width: Math.round(k.x2) - Math.round(k.x1), height: Math.round(k.y2) - Math.round(k.y1) },
      probability: k.score,
      keypoints: k.keypoints,
    }));
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(Math.max(v, lo), hi);
}
