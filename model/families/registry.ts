/**
 * Family name → factory, plus each family's conventional tensor names and
 * input size for when neither the model nor a sidecar says otherwise.
 */
import type { FamilyConfig } from './config.js';
import { createDarknetYolo } from './darknet-yolo.js';
import type { FamilyName, ModelFamily } from './types.js';
import { createYolov8 } from './yolov8.js';
import { createYolox } from './yolox.js';

export interface FamilyEntry {
  create: (config: FamilyConfig) => ModelFamily;
  defaults: { inputName: string; outputName: string; width: number; height: number };
}

export const FAMILY_NAMES = ['darknet-yolo', 'yolov8', 'yolox'] as const satisfies readonly FamilyName[];

export const FAMILIES: Record<FamilyName, FamilyEntry> = {
  'darknet-yolo': {
    create: createDarknetYolo,
    defaults: { inputName: 'images', outputName: 'detections', width: 416, height: 416 },
  },
  yolov8: {
    create: createYolov8,
    defaults: { inputName: 'images', outputName: 'output0', width: 640, height: 640 },
  },
  yolox: {
    create: createYolox,
    defaults: { inputName: 'images', outputName: 'output', width: 416, height: 416 },
  },
};
