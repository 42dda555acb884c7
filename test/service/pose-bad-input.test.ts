/**
 * Every bad-input class detection refuses, sent to the pose endpoints: the
 * same status, error code, id echo and headers, and never a 5xx. The pose
 * model is the synthetic top-down pair, so the images really reach the
 * pose pipeline's decoders.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadPoseModel, type PoseModel } from '../../service/pose.js';
import { expectError, registerBadInputSuite } from '../helpers/service-bad-input-suite.js';
import { squareImage } from '../helpers/service-images.js';
import { startPoseApp, writeSyntheticPoseModels, type RunningPose } from '../helpers/service-pose.js';

const MAX_BODY = 256 * 1024;
let dir: string;
let pose: PoseModel;
let app: RunningPose;
let image: Buffer;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pose-bad-'));
  const paths = await writeSyntheticPoseModels(dir, [{ cx: 32, cy: 32, w: 10, h: 30, score: 0.9 }]);
  pose = await loadPoseModel({ ...paths, maxPeople: 20, threads: 1, maxPixels: 4_000_000 });
  app = await startPoseApp(pose, { maxBodyBytes: MAX_BODY, maxImagePixels: 4_000_000, queueLength: 64, concurrency: 2 });
  image = await squareImage({ width: 200, height: 150, square: { left: 20, top: 20, width: 50, height: 40 }, format: 'jpeg' });
});
after(async () => {
  await app.close();
  await pose.close();
  await rm(dir, { recursive: true, force: true });
});

registerBadInputSuite({
  routes: ['/api/pose_estimation', '/api/pose_estimation_annotation'],
  app: () => app,
  image: () => image,
  maxBodyBytes: MAX_BODY,
  isAnswer: (body) => Array.isArray(body.keypoints) || typeof body.image === 'string',
});

test('the template\'s aliases refuse the wrong method like the main routes', async () => {
  for (const route of ['/api/pose_detection', '/api/pose_estimation_image']) {
    const res = await fetch(`${app.url}${route}`);
    assert.equal(res.headers.get('allow'), 'POST');
    await expectError(res, 405, 'method_not_allowed');
  }
});
