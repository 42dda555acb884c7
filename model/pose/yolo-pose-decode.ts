/**
 * Raw single-stage YOLO-pose output → person candidates, pure.
 *
 * Ultralytics exports (YOLOv8/11-pose) emit [1, 56, N]: per anchor cx, cy, w,
 * h, the person score, then 17 × (x, y, visibility). In the exported graph the
 * box and keypoint coordinates are already in network-input pixels and the
 * scores already went through a sigmoid, so nothing is decoded against
 * anchors here. Some converters transpose to [1, N, 56]; both are accepted.
 */
import type { OutputTensor } from '../families/index.js';
import { KEYPOINT_COUNT, type Keypoint } from './types.js';

export const YOLO_POSE_CHANNELS = 5 + 3 * KEYPOINT_COUNT;

/** One person before NMS, in network-input pixels. */
export interface PoseCandidate {
  cx: number;
  cy: number;
  w: number;
  h: number;
  score: number;
  keypoints: Keypoint[];
}

/** True when dims look like a YOLO-pose head ([1, 56, N] or [1, N, 56]). */
export function isYoloPoseShape(dims: readonly (number | string)[]): boolean {
  return dims.length === 3 && (dims[1] === YOLO_POSE_CHANNELS || dims[2] === YOLO_POSE_CHANNELS);
}

export function decodeYoloPose(output: OutputTensor, minScore: number): PoseCandidate[] {
  const { data, dims } = output;
  if (!isYoloPoseShape(dims) || dims[0] !== 1) {
    throw new Error(`yolo-pose output must be [1, ${YOLO_POSE_CHANNELS}, N] or [1, N, ${YOLO_POSE_CHANNELS}], got [${dims.join(', ')}]`);
  }
  const channelMajor = dims[1] === YOLO_POSE_CHANNELS;
  const anchors = channelMajor ? (dims[2] as number) : (dims[1] as number);
  if (data.length !== anchors * YOLO_POSE_CHANNELS) {
    throw new Error(`yolo-pose output has ${data.length} values, expected ${anchors * YOLO_POSE_CHANNELS}`);
  }
  const at = channelMajor
    ? (c: number, i: number) => data[c * anchors + i] as number
    : (c: number, i: number) => data[i * YOLO_POSE_CHANNELS + c] as number;

  const out: PoseCandidate[] = [];
  for (let i = 0; i < anchors; i++) {
    const score = at(4, i);
    if (!(score >= minScore)) continue;
    const keypoints: Keypoint[] = [];
    for (let k = 0; k < KEYPOINT_COUNT; k++) {
      const c = 5 + 3 * k;
      keypoints.push([at(c, i), at(c + 1, i), at(c + 2, i)]);
    }
    out.push({ cx: at(0, i), cy: at(1, i), w: at(2, i), h: at(3, i), score, keypoints });
  }
  return out;
}
