/**
 * The real entry point serving pose: a TASK=pose replica on the synthetic
 * model pair (never touching MODEL_PATH), a missing pose model as a
 * configuration error, and the shared MoveNet + yolov8n on person.jpg
 * when ../shared is there.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, afterEach, before, test } from 'node:test';
import sharp from 'sharp';
import { keypointIndex, type KeypointName } from '../../model/pose/index.js';
import { postJson, repoRoot, sharedDir, sharedSamples } from '../helpers/service.js';
import { squareImage, toBase64 } from '../helpers/service-images.js';
import { writeSyntheticPoseModels, type SyntheticPoseModels } from '../helpers/service-pose.js';
import { launchService, stopServices, waitReady } from '../helpers/service-process.js';

const sharedMoveNet = resolve(sharedDir, 'model/movenet_singlepose_lightning_int8.onnx');
const sharedYolov8 = resolve(sharedDir, 'model/yolov8n_int8.onnx');
const personJpg = join(sharedSamples, 'person.jpg');
const noSharedPose = [sharedMoveNet, sharedYolov8, personJpg].every(existsSync)
  ? false
  : `needs ${sharedMoveNet}, ${sharedYolov8} and ${personJpg} (the shared folder is absent)`;

let dir: string;
let models: SyntheticPoseModels;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pose-process-'));
  models = await writeSyntheticPoseModels(dir, [{ cx: 32, cy: 32, w: 10, h: 30, score: 0.9 }]);
});
afterEach(stopServices);
after(() => rmSync(dir, { recursive: true, force: true }));

test('TASK=pose serves pose without loading MODEL_PATH; detection routes are absent; SIGTERM exits 0', async () => {
  const child = await launchService({ WORKER_THREADS: '1',  TASK: 'pose', MODEL_PATH: join(dir, 'no-detection-model.onnx'), POSE_MODEL_PATH: models.modelPath, POSE_DETECTOR_PATH: models.detectorPath, POD_NAME: 'pose-a' });
  await waitReady(child);
  const image = toBase64(await squareImage({ width: 128, height: 128, square: { left: 5, top: 5, width: 10, height: 10 }, format: 'jpeg' }));
  const res = await postJson(`${child.url}/api/pose_estimation`, { id: 'p', image });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('x-served-by'), 'pose-a');
  const body = (await res.json()) as { id: string; count: number; keypoints: unknown[][] };
  assert.equal(body.id, 'p');
  assert.equal(body.count, 1);
  assert.equal(body.keypoints[0]!.length, 17);
  assert.equal((await postJson(`${child.url}/api/object_detection`, { id: 'd', image })).status, 404);
  const metrics = await (await fetch(`${child.url}/metrics`)).text();
  assert.match(metrics, /pose_model_info\{path="[^"]+pose-movenet\.onnx",detector="[^"]+pose-detector\.onnx",kind="top-down",threads="1"\} 1/);
  child.proc.kill('SIGTERM');
  assert.equal(await child.exited, 0);
});

test('a missing pose model is a configuration error naming the variable', async () => {
  const child = await launchService({ WORKER_THREADS: '1',  TASK: 'pose', POSE_MODEL_PATH: join(dir, 'nope.onnx'), POSE_DETECTOR_PATH: join(dir, 'nope-either.onnx') });
  assert.equal(await child.exited, 2);
  assert.match(child.output(), /POSE_MODEL_PATH: .*nope\.onnx does not exist/);
  assert.match(child.output(), /POSE_DETECTOR_PATH: .*nope-either\.onnx does not exist/);
});

test('the shared MoveNet + yolov8n find the person in person.jpg, keypoints on the body', { skip: noSharedPose }, async () => {
  const child = await launchService({ WORKER_THREADS: '1',  TASK: 'pose', POSE_MODEL_PATH: sharedMoveNet, POSE_DETECTOR_PATH: sharedYolov8 });
  await waitReady(child);
  const photo = toBase64(readFileSync(personJpg));
  const res = await postJson(`${child.url}/api/pose_detection`, { id: 'person', image: photo });
  assert.equal(res.status, 200);
  const body = (await res.json()) as { count: number; boxes: Array<{ x: number; y: number; width: number; height: number; probability: number }>; keypoints: Array<Array<[number, number, number]>> };
  assert.ok(body.count >= 1, 'nobody found');
  // person.jpg is 640×424 with one standing person left of centre, a dog left of them and a horse on the right.
  const box = body.boxes[0]!;
  const cx = box.x + box.width / 2;
  assert.ok(box.probability > 0.5 && cx > 150 && cx < 320 && box.height > 2 * box.width, `person box ${JSON.stringify(box)}`);
  const kp = body.keypoints[0]!;
  const at = (name: KeypointName) => kp[keypointIndex(name)]!;
  for (const [x, y] of kp) {
    assert.ok(x >= box.x - 0.1 * box.width && x <= box.x + 1.1 * box.width && y >= box.y - 0.1 * box.height && y <= box.y + 1.1 * box.height, `keypoint (${x}, ${y}) outside the box`);
  }
  assert.ok(at('nose')[1] < at('left_hip')[1] && at('left_hip')[1] < at('left_ankle')[1], 'nose, hip and ankle not top to bottom');
  assert.ok(at('left_shoulder')[1] < at('left_knee')[1] && at('right_shoulder')[1] < at('right_knee')[1], 'shoulders not above knees');

  const drawn = await postJson(`${child.url}/api/pose_estimation_image`, { id: 'drawn', image: photo });
  assert.equal(drawn.status, 200);
  const meta = await sharp(Buffer.from(((await drawn.json()) as { image: string }).image, 'base64')).metadata();
  assert.deepEqual([meta.format, meta.width, meta.height], ['jpeg', 640, 424]);
});
