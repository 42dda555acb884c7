/**
 * POST /api/object_detection → {id, objects}; POST
 * /api/object_detection_image → {id, image} with the boxes drawn.
 */
import type { Router } from 'express';
import type { Detection } from '../../model/families/types.js';
import { undrawable, type Detector } from '../detector.js';
import { drawDetections } from '../draw.js';
import { methodNotAllowed } from '../http-context.js';
import { imageRoute, type ImageRouteContext } from '../image-route.js';

export interface DetectedObject {
  label: string;
  accuracy: number;
  rectangle: { height: number; left: number; top: number; width: number };
}

export function toObject(d: Detection): DetectedObject {
  const { left, top, width, height } = d.box;
  return { label: d.label, accuracy: d.score, rectangle: { height, left, top, width } };
}

export const DETECT_ROUTE = '/api/object_detection';
export const DETECT_IMAGE_ROUTE = '/api/object_detection_image';

export function detectRoutes(router: Router, ctx: ImageRouteContext, detector: () => Detector, maxPixels: number): void {
  router.post(DETECT_ROUTE, ...imageRoute(DETECT_ROUTE, ctx, async ({ id, image, timings }) => {
    const detections = await detector().detect(image, timings);
    return { id, objects: detections.map(toObject) };
  }));
  router.all(DETECT_ROUTE, methodNotAllowed(DETECT_ROUTE, ['POST']));

  router.post(DETECT_IMAGE_ROUTE, ...imageRoute(DETECT_IMAGE_ROUTE, ctx, async ({ id, image, timings }) => {
    const detections = await detector().detect(image, timings);
    const drawn = await timings.time('postprocess', () => drawDetections(image, detections, maxPixels).catch(undrawable));
    return { id, image: drawn.toString('base64') };
  }));
  router.all(DETECT_IMAGE_ROUTE, methodNotAllowed(DETECT_IMAGE_ROUTE, ['POST']));
}
