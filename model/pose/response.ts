/**
 * PoseResult → the pose endpoint's JSON body (the CloudPose contract), pure,
 * so the service and its tests agree on field names and units.
 */
import type { Keypoint, PoseResult } from './types.js';

export interface PoseResponse {
  id: string;
  /** number of people */
  count: number;
  boxes: Array<{ x: number; y: number; width: number; height: number; probability: number }>;
  /** per person, 17 × [x, y, confidence] in COCO order */
  keypoints: Keypoint[][];
  /** stage times in milliseconds */
  speed_preprocess: number;
  speed_inference: number;
  speed_postprocess: number;
}

export function toPoseResponse(id: string, result: PoseResult): PoseResponse {
  return {
    id,
    count: result.people.length,
    boxes: result.people.map(({ box, probability }) => ({ ...box, probability })),
    keypoints: result.people.map((p) => p.keypoints),
    speed_preprocess: result.timings.preprocessMs,
    speed_inference: result.timings.inferenceMs,
    speed_postprocess: result.timings.postprocessMs,
  };
}
