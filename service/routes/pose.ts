/**
 * CloudPose: POST /api/pose_estimation → {id, count, boxes, keypoints,
 * speed_*}; POST /api/pose_estimation_annotation → {id, image} with the
 * skeletons drawn. Each is also answered under the name the course
 * template uses. Installed only when a pose model is configured.
 */
import type { Router } from 'express';
import { drawPose, toPoseResponse } from '../../model/pose/index.js';
import type { ExtraTask } from '../app.js';
import { undrawable } from '../detector.js';
import { methodNotAllowed } from '../http-context.js';
import { imageRoute, type ImageRouteContext } from '../image-route.js';
import type { PoseModel } from '../pose.js';

export const POSE_ROUTES = ['/api/pose_estimation', '/api/pose_detection'] as const;
export const POSE_IMAGE_ROUTES = ['/api/pose_estimation_annotation', '/api/pose_estimation_image'] as const;

export function poseRoutes(router: Router, ctx: ImageRouteContext, pose: () => PoseModel): void {
  for (const route of POSE_ROUTES) {
    router.post(route, ...imageRoute(route, ctx, async ({ id, image, timings }) => toPoseResponse(id, await pose().estimate(image, timings))));
    router.all(route, methodNotAllowed(route, ['POST']));
  }
  for (const route of POSE_IMAGE_ROUTES) {
    router.post(route, ...imageRoute(route, ctx, async ({ id, image, timings }) => {
      const result = await pose().estimate(image, timings);
      const drawn = await timings.time('postprocess', () => drawPose(image, result).catch(undrawable));
      return { id, image: drawn.toString('base64') };
    }));
    router.all(route, methodNotAllowed(route, ['POST']));
  }
}

export interface PoseTask extends ExtraTask {
  /** the pose model is loaded and warmed up */
  setPoseModel(pose: PoseModel): void;
}

/** The pose routes as an app task: the app is not ready until a model is set. */
export function poseTask(pose?: PoseModel): PoseTask {
  let current = pose;
  return {
    install: (router, ctx) => poseRoutes(router, ctx, () => current!),
    ready: () => current !== undefined,
    setPoseModel(p) {
      current = p;
    },
  };
}
