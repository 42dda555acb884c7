/**
 * Whether one answer counts as a success. The failure rule of the study:
 * a non-2xx status, a body that is not the contract's shape, or an id that is
 * not the one sent (timeouts and connection errors are decided by the sender).
 */
import { z } from 'zod';
import type { ErrorKind, Task } from '../contracts/domain.js';

const DetectionBody = z.object({
  id: z.string(),
  objects: z.array(
    z.object({
      label: z.string(),
      accuracy: z.number().min(0).max(1),
      rectangle: z.object({ height: z.number(), left: z.number(), top: z.number(), width: z.number() }),
    }),
  ),
});

/** COCO keypoints per person: nose, eyes, ears, shoulders, elbows, wrists, hips, knees, ankles. */
const KEYPOINTS = 17;

// docs/service.md "Pose endpoints": one box and one 17 × [x, y, confidence] list per person.
const PoseBody = z
  .object({
    id: z.string(),
    count: z.number().int().nonnegative(),
    boxes: z.array(z.object({ x: z.number(), y: z.number(), width: z.number(), height: z.number(), probability: z.number() })),
    keypoints: z.array(z.array(z.tuple([z.number(), z.number(), z.number()])).length(KEYPOINTS)),
    speed_preprocess: z.number(),
    speed_inference: z.number(),
    speed_postprocess: z.number(),
  })
  .refine((b) => b.count === b.boxes.length && b.count === b.keypoints.length, 'count, boxes and keypoints disagree');

export const ENDPOINTS: Record<Task, string> = {
  detection: '/api/object_detection',
  pose: '/api/pose_estimation',
};

export function checkResponse(task: Task, status: number, body: string, sentId: string): ErrorKind | null {
  if (status < 200 || status > 299) return 'status';
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return 'body';
  }
  const result = (task === 'detection' ? DetectionBody : PoseBody).safeParse(parsed);
  if (!result.success) return 'body';
  return result.data.id === sentId ? null : 'id-mismatch';
}
