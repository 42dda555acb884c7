/**
 * The contract between a model file and everything that runs it (service,
 * pose pipeline, benchmarks). A family knows how its network wants pixels
 * and how to turn its raw output into candidate boxes; everything after that
 * (mapping back to the original image, NMS, labels) is shared.
 */

export type FamilyName = 'darknet-yolo' | 'yolov8' | 'yolox';

/** How the original image is fitted into the network input. */
export type ResizeMode =
  /** plain resize to width×height, aspect ratio not kept (OpenCV blobFromImage) */
  | 'stretch'
  /** keep aspect ratio, pad equally on both sides (Ultralytics) */
  | 'letterbox-center'
  /** keep aspect ratio, image at the top-left, pad right and bottom (YOLOX) */
  | 'letterbox-topleft';

export interface InputSpec {
  /** ONNX input name */
  name: string;
  width: number;
  height: number;
  resize: ResizeMode;
  /** 0-255 fill value for letterbox padding */
  padValue: number;
  channelOrder: 'RGB' | 'BGR';
  layout: 'NCHW' | 'NHWC';
  dtype: 'float32' | 'uint8';
  /** factor applied to 0-255 pixel values (1/255 or 1) */
  scale: number;
}

/** One raw detection in network-input pixels, before NMS. */
export interface Candidate {
  cx: number;
  cy: number;
  w: number;
  h: number;
  /** final confidence in [0, 1] (objectness × class score where the family has objectness) */
  score: number;
  classId: number;
}

export interface OutputTensor {
  data: Float32Array;
  dims: readonly number[];
}

export interface ModelFamily {
  readonly family: FamilyName;
  readonly input: InputSpec;
  /** ONNX output name the decoder reads */
  readonly outputName: string;
  readonly labels: readonly string[];
  /** Raw output → candidates with score ≥ minScore, in input pixels. Pure. */
  decode(output: OutputTensor, minScore: number): Candidate[];
}

/** Where the letterboxed/stretched image sits inside the network input. */
export interface Placement {
  /** original image size (after EXIF rotation) */
  srcWidth: number;
  srcHeight: number;
  scaleX: number;
  scaleY: number;
  padX: number;
  padY: number;
}

/** Contract-shaped detection in original-image pixels. */
export interface Detection {
  classId: number;
  label: string;
  score: number;
  box: { left: number; top: number; width: number; height: number };
}
