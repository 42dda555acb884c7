/**
 * Public surface of the model families: load a model's family, turn an image
 * into its input tensor, and turn its decoded candidates into detections.
 */
export type * from './types.js';
export type { FamilyConfig } from './config.js';
export { loadModelFamily, type LoadOptions } from './load.js';
export { preprocess, ImageError, type ImageErrorKind, type PreprocessOptions, type Preprocessed } from './preprocess.js';
export { toTensor, type RgbImage } from './to-tensor.js';
export { toDetections, type DetectionOptions } from './detections.js';
export { placementFor, resizedSize } from './placement.js';
export { nms, iou } from './nms.js';
export { FAMILIES, FAMILY_NAMES, type FamilyEntry } from './registry.js';
export { resolveFamily, inferFamily, METADATA_KEYS, Sidecar, type ModelFacts, type TensorInfo } from './resolve.js';
