/**
 * The pose pipeline's public contract. The service serializes a PoseResult
 * into its JSON response and hands it to drawPose for the annotated image.
 * Everything is in original-image pixels (after EXIF rotation).
 */

/** x, y in image pixels; confidence in [0, 1] */
export type Keypoint = [number, number, number];

export interface PoseBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface PosePerson {
  box: PoseBox;
  /** person-detector (or yolo-pose) confidence in [0, 1] */
  probability: number;
  /** 17 keypoints in COCO_KEYPOINTS order */
  keypoints: Keypoint[];
}

export interface PoseTimings {
  preprocessMs: number;
  inferenceMs: number;
  postprocessMs: number;
}

export interface PoseResult {
  /** size of the image the coordinates refer to (after EXIF rotation) */
  width: number;
  height: number;
  people: PosePerson[];
  timings: PoseTimings;
}

export interface EstimateOptions {
  /** images with more pixels than this are rejected (ImageError) before decoding */
  maxPixels: number;
}

export interface PoseEstimator {
  readonly kind: 'top-down' | 'yolo-pose';
  estimate(image: Buffer, opts: EstimateOptions): Promise<PoseResult>;
  /** releases the ONNX sessions; the estimator is unusable afterwards */
  close(): Promise<void>;
}

/** COCO keypoint order, left before right, as MoveNet and YOLO-pose emit them. */
export const COCO_KEYPOINTS = [
  'nose',
  'left_eye',
  'right_eye',
  'left_ear',
  'right_ear',
  'left_shoulder',
  'right_shoulder',
  'left_elbow',
  'right_elbow',
  'left_wrist',
  'right_wrist',
  'left_hip',
  'right_hip',
  'left_knee',
  'right_knee',
  'left_ankle',
  'right_ankle',
] as const;

export type KeypointName = (typeof COCO_KEYPOINTS)[number];

export const KEYPOINT_COUNT = COCO_KEYPOINTS.length;

/** Limb connections as index pairs into COCO_KEYPOINTS (the usual COCO skeleton). */
export const SKELETON_EDGES: ReadonlyArray<readonly [number, number]> = [
  [0, 1], [0, 2], [1, 3], [2, 4],
  [3, 5], [4, 6],
  [5, 6], [5, 7], [7, 9], [6, 8], [8, 10],
  [5, 11], [6, 12], [11, 12],
  [11, 13], [13, 15], [12, 14], [14, 16],
];

export function keypointIndex(name: KeypointName): number {
  return COCO_KEYPOINTS.indexOf(name);
}
