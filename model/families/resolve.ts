/**
 * Pure rules that pick a model's family and configuration from what is known
 * about it: ONNX metadata, a sidecar JSON, and the tensor shapes.
 *
 * Shape rule when neither metadata nor sidecar names the family. Both
 * anchor-free families have one prediction per grid cell of strides 8, 16
 * and 32, so with an H×W input they emit G = Σ (H/s)·(W/s) rows (8400 at
 * 640×640, 3549 at 416×416). The first rank-3 output [1, a, b] decides:
 *   b = G and a > 4      → yolov8 ([1, 4 + C, G], channel-first, no objectness)
 *   a = G and b > 5      → yolox ([1, G, 5 + C], raw grid offsets)
 *   b > 5 otherwise      → darknet-yolo ([1, N, 5 + C], decoded boxes)
 * When the input size is symbolic, G is unknown and "b > a" picks yolov8.
 */
import { z } from 'zod';
import { COCO_LABELS } from '../labels.js';
import type { FamilyConfig } from './config.js';
import { FAMILIES, FAMILY_NAMES } from './registry.js';
import type { FamilyName } from './types.js';
import { yoloxRowCount } from './yolox.js';

export const METADATA_KEYS = {
  family: 'clouddetect.family',
  labels: 'clouddetect.labels',
  inputWidth: 'clouddetect.input_width',
  inputHeight: 'clouddetect.input_height',
} as const;

export const Sidecar = z.strictObject({
  family: z.enum(FAMILY_NAMES),
  labels: z.array(z.string()).min(1).optional(),
  inputWidth: z.number().int().positive().optional(),
  inputHeight: z.number().int().positive().optional(),
});
export type Sidecar = z.infer<typeof Sidecar>;

export interface TensorInfo {
  name: string;
  /** numbers, or strings for symbolic dimensions */
  shape: readonly (number | string)[];
}

export interface ModelFacts {
  metadata: Readonly<Record<string, string>>;
  sidecar: Sidecar | null;
  inputs: readonly TensorInfo[];
  outputs: readonly TensorInfo[];
}

export interface Resolved {
  family: FamilyName;
  config: FamilyConfig;
  /** where the family came from, for logs */
  source: 'metadata' | 'sidecar' | 'shape';
}

export function resolveFamily(facts: ModelFacts): Resolved {
  const fromMetadata = metadataDescription(facts.metadata);
  const input = facts.inputs[0];
  if (!input) throw new Error('model has no inputs');
  const shapeSize = nchwSize(input.shape);
  const described = fromMetadata ?? facts.sidecar;
  const source = fromMetadata ? 'metadata' : facts.sidecar ? 'sidecar' : 'shape';
  const family = described?.family ?? inferFamily(facts.outputs, shapeSize);
  const defaults = FAMILIES[family].defaults;
  const config: FamilyConfig = {
    inputName: input.name,
    outputName: pickOutput(facts.outputs, defaults.outputName),
    width: described?.inputWidth ?? shapeSize?.width ?? defaults.width,
    height: described?.inputHeight ?? shapeSize?.height ?? defaults.height,
    labels: described?.labels ?? COCO_LABELS,
  };
  return { family, config, source };
}

/** The family a model's output shape implies; see the rule at the top of this file. */
export function inferFamily(outputs: readonly TensorInfo[], inputSize: { width: number; height: number } | null): FamilyName {
  for (const output of outputs) {
    const [batch, a, b] = output.shape;
    if (output.shape.length !== 3 || typeof a !== 'number' || typeof b !== 'number' || (batch !== 1 && typeof batch === 'number')) continue;
    const cells = inputSize ? yoloxRowCount(inputSize.width, inputSize.height) : null;
    if (a > 4 && (cells === null ? b > a : b === cells)) return 'yolov8';
    if (b > 5) return a === cells ? 'yolox' : 'darknet-yolo';
  }
  const shapes = outputs.map((o) => `${o.name} [${o.shape.join(', ')}]`).join(', ');
  throw new Error(`cannot tell the model family from its outputs (${shapes}); add a sidecar <model>.json with {"family": ...}`);
}

function metadataDescription(metadata: Readonly<Record<string, string>>): Sidecar | null {
  const family = metadata[METADATA_KEYS.family];
  if (family === undefined) return null;
  const raw = {
    family,
    labels: parseJson(metadata[METADATA_KEYS.labels], METADATA_KEYS.labels),
    inputWidth: parseInteger(metadata[METADATA_KEYS.inputWidth]),
    inputHeight: parseInteger(metadata[METADATA_KEYS.inputHeight]),
  };
  const parsed = Sidecar.safeParse(raw);
  if (!parsed.success) throw new Error(`invalid clouddetect.* model metadata: ${z.prettifyError(parsed.error).replace(/\n\s*/g, '; ')}`);
  return parsed.data;
}

function parseJson(text: string | undefined, key: string): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`model metadata ${key} is not JSON`);
  }
}

function parseInteger(text: string | undefined): number | undefined {
  return text === undefined ? undefined : Number(text);
}

/** [1, 3, H, W] with numeric H and W, else null (dynamic or NHWC inputs). */
function nchwSize(shape: readonly (number | string)[]): { width: number; height: number } | null {
  const [, channels, height, width] = shape;
  if (shape.length === 4 && channels === 3 && typeof height === 'number' && typeof width === 'number' && height > 0 && width > 0) {
    return { width, height };
  }
  return null;
}

function pickOutput(outputs: readonly TensorInfo[], preferred: string): string {
  if (outputs.some((o) => o.name === preferred)) return preferred;
  const first = outputs[0];
  if (outputs.length === 1 && first) return first.name;
  throw new Error(`model has outputs ${outputs.map((o) => o.name).join(', ')} but none named ${preferred}`);
}
