/**
 * The CloudPose endpoints in-process, on a synthetic top-down model pair the
 * test writes itself: the contract of both endpoints and their template
 * aliases, the body forms, headers, metrics and logs detection has, readiness,
 * the people bound in a crowd, and 503 when the queue is full.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, test } from 'node:test';
import sharp from 'sharp';
import { KEYPOINT_COUNT } from '../../model/pose/index.js';
import { loadPoseModel, type PoseModel } from '../../service/pose.js';
import { postJson, redSquareDetector } from '../helpers/service.js';
import { squareImage, toBase64 } from '../helpers/service-images.js';
import {
  DET_SIZE,
  expectedPerson,
  gatedPoseModel,
  startPoseApp,
  writeSyntheticPoseModels,
  type RunningPose,
  type SyntheticPerson,
} from '../helpers/service-pose.js';

const SIDE = 2 * DET_SIZE;
const PEOPLE: SyntheticPerson[] = [
  { cx: 16, cy: 32, w: 8, h: 32, score: 0.9 },
  { cx: 46, cy: 30, w: 10, h: 30, score: 0.7 },
];

let dir: string;
let pose: PoseModel;
let app: RunningPose;
let image: Buffer;
let extra: Array<{ close: () => Promise<void> }> = [];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pose-api-'));
  const paths = await writeSyntheticPoseModels(dir, PEOPLE);
  pose = await loadPoseModel({ ...paths, maxPeople: 20, threads: 1, maxPixels: 4_000_000 });
  app = await startPoseApp(pose);
  image = await squareImage({ width: SIDE, height: SIDE, square: { left: 106, top: 100, width: 16, height: 16 }, format: 'jpeg' });
});
afterEach(async () => {
  await Promise.all(extra.map((e) => e.close()));
  extra = [];
});
after(async () => {
  await app.close();
  await pose.close();
  await rm(dir, { recursive: true, force: true });
});

interface PoseBody {
  id: string;
  count: number;
  boxes: Array<{ x: number; y: number; width: number; height: number; probability: number }>;
  keypoints: Array<Array<[number, number, number]>>;
  speed_preprocess: number;
  speed_inference: number;
  speed_postprocess: number;
}

function checkContract(body: PoseBody, id: string, people: readonly SyntheticPerson[]): void {
  assert.deepEqual(Object.keys(body).sort(), ['boxes', 'count', 'id', 'keypoints', 'speed_inference', 'speed_postprocess', 'speed_preprocess']);
  assert.equal(body.id, id);
  assert.equal(body.count, people.length);
  assert.equal(body.boxes.length, people.length);
  assert.equal(body.keypoints.length, people.length);
  for (const key of ['speed_preprocess', 'speed_inference', 'speed_postprocess'] as const) assert.ok(body[key] >= 0, key);
  people.forEach((p, i) => {
    const want = expectedPerson(p);
    const { probability, ...box } = body.boxes[i]!;
    assert.deepEqual(box, want.box);
    assert.ok(Math.abs(probability - p.score) < 1e-6);
    const kps = body.keypoints[i]!;
    assert.equal(kps.length, KEYPOINT_COUNT);
    kps.forEach(([x, y, confidence], k) => {
      const [wx, wy] = want.keypoints[k]!;
      assert.ok(Math.abs(x - wx) < 1 && Math.abs(y - wy) < 1, `person ${i} keypoint ${k}: (${x}, ${y}) vs (${wx}, ${wy})`);
      assert.ok(Math.abs(confidence - 0.8) < 1e-6);
    });
  });
}

test('POST /api/pose_estimation and /api/pose_detection: people, boxes and COCO keypoints in image pixels', async () => {
  for (const route of ['/api/pose_estimation', '/api/pose_detection']) {
    const res = await postJson(`${app.url}${route}`, { id: `r-${route}`, image: toBase64(image) });
    assert.equal(res.status, 200, route);
    assert.equal(res.headers.get('x-served-by'), 'test-replica');
    const timing = res.headers.get('server-timing') ?? '';
    for (const stage of ['queue', 'decode', 'inference', 'postprocess', 'total']) assert.match(timing, new RegExp(`${stage};dur=[0-9.]+`));
    checkContract((await res.json()) as PoseBody, `r-${route}`, PEOPLE);
  }
});

test('the course client form (double-encoded JSON) and multipart give the same people', async () => {
  const plain = (await (await postJson(`${app.url}/api/pose_estimation`, { id: 'd', image: toBase64(image) })).json()) as PoseBody;
  const res = await postJson(`${app.url}/api/pose_estimation`, JSON.stringify(JSON.stringify({ id: 'd', image: toBase64(image) })));
  assert.equal(res.status, 200);
  const twice = (await res.json()) as PoseBody;
  checkContract(twice, 'd', PEOPLE);
  assert.deepEqual({ ...twice, speed_preprocess: 0, speed_inference: 0, speed_postprocess: 0 }, { ...plain, speed_preprocess: 0, speed_inference: 0, speed_postprocess: 0 });

  const form = new FormData();
  form.set('id', 'mp');
  form.set('image', new Blob([new Uint8Array(image)], { type: 'image/jpeg' }), 'x.jpg');
  const multipart = await fetch(`${app.url}/api/pose_estimation`, { method: 'POST', body: form });
  assert.equal(multipart.status, 200);
  checkContract((await multipart.json()) as PoseBody, 'mp', PEOPLE);
});

test('POST /api/pose_estimation_annotation and /api/pose_estimation_image: a JPEG of the original size with boxes drawn', async () => {
  for (const route of ['/api/pose_estimation_annotation', '/api/pose_estimation_image']) {
    const res = await postJson(`${app.url}${route}`, { id: 'img', image: toBase64(image) });
    assert.equal(res.status, 200, route);
    assert.match(res.headers.get('server-timing') ?? '', /postprocess;dur=/);
    const body = (await res.json()) as { id: string; image: string };
    assert.deepEqual(Object.keys(body).sort(), ['id', 'image']);
    assert.equal(body.id, 'img');
    const drawn = Buffer.from(body.image, 'base64');
    const meta = await sharp(drawn).metadata();
    assert.equal(meta.format, 'jpeg');
    assert.equal(meta.width, SIDE);
    assert.equal(meta.height, SIDE);
    // The first person's box edge runs through the grey background; the drawing makes it green.
    const { data, info } = await sharp(drawn).raw().toBuffer({ resolveWithObject: true });
    const { box } = expectedPerson(PEOPLE[0]!);
    const o = (Math.round(box.y + box.height / 2) * info.width + Math.round(box.x)) * info.channels;
    const [r, g, b] = [data[o]!, data[o + 1]!, data[o + 2]!];
    assert.ok(g > 150 && r < 110 && b < 110, `box edge pixel is ${r},${g},${b}, not green`);
  }
});

test('metrics and logs carry the pose routes with the detection stage names', async () => {
  await postJson(`${app.url}/api/pose_estimation`, { id: 'logged', image: toBase64(image) });
  const metrics = await (await fetch(`${app.url}/metrics`)).text();
  assert.match(metrics, /http_requests_total\{route="\/api\/pose_estimation",method="POST",status="200"\} [1-9]/);
  for (const stage of ['queue', 'decode', 'inference', 'postprocess']) {
    assert.match(metrics, new RegExp(`inference_stage_duration_seconds_count\\{route="/api/pose_estimation",stage="${stage}"\\} [1-9]`));
  }
  const line = app.log.lines().find((l) => l.id === 'logged');
  assert.ok(line, 'no log line for the request');
  assert.equal(line.route, '/api/pose_estimation');
  assert.deepEqual(Object.keys(line.stages as object).sort(), ['decode', 'inference', 'postprocess', 'queue']);
});

test('a pose-only app: no detection routes; ready only once the pose model is set', async () => {
  assert.equal((await postJson(`${app.url}/api/object_detection`, { id: 'x', image: toBase64(image) })).status, 404);
  const cold = await startPoseApp(undefined);
  extra.push(cold);
  assert.equal((await fetch(`${cold.url}/readyz`)).status, 503);
  const early = await postJson(`${cold.url}/api/pose_estimation`, { id: 'early', image: toBase64(image) });
  assert.equal(early.status, 503);
  assert.equal(((await early.json()) as { error: { code: string } }).error.code, 'not_ready');
  cold.pose.setPoseModel(pose);
  assert.equal((await fetch(`${cold.url}/readyz`)).status, 200);
  assert.equal((await postJson(`${cold.url}/api/pose_estimation`, { id: 'late', image: toBase64(image) })).status, 200);
});

test('detection and pose in one app: both served; ready only when both models are', async () => {
  const both = await startPoseApp(undefined, { detector: redSquareDetector() });
  extra.push(both);
  assert.equal((await fetch(`${both.url}/readyz`)).status, 503, 'detector alone must not make a pose app ready');
  both.pose.setPoseModel(pose);
  assert.equal((await fetch(`${both.url}/readyz`)).status, 200);
  const detect = await postJson(`${both.url}/api/object_detection`, { id: 'det', image: toBase64(image) });
  assert.equal(detect.status, 200);
  assert.equal(((await detect.json()) as { objects: Array<{ label: string }> }).objects[0]?.label, 'square');
  assert.equal((await postJson(`${both.url}/api/pose_estimation`, { id: 'pose', image: toBase64(image) })).status, 200);
});

test('a crowd costs at most maxPeople people, the most confident ones', async () => {
  const crowd: SyntheticPerson[] = Array.from({ length: 60 }, (_, i) => ({
    cx: 4 + (i % 10) * 6,
    cy: 6 + Math.floor(i / 10) * 10,
    w: 4,
    h: 8,
    score: 0.31 + i * 0.01,
  }));
  const bounded = await loadPoseModel({ ...(await writeSyntheticPoseModels(dir, crowd, 'crowd')), maxPeople: 5, threads: 1, maxPixels: 4_000_000 });
  extra.push(bounded);
  const crowdApp = await startPoseApp(bounded);
  extra.push(crowdApp);
  const res = await postJson(`${crowdApp.url}/api/pose_estimation`, { id: 'crowd', image: toBase64(image) });
  assert.equal(res.status, 200);
  const body = (await res.json()) as PoseBody;
  assert.equal(body.count, 5);
  assert.deepEqual(body.boxes.map((b) => b.probability.toFixed(2)), ['0.90', '0.89', '0.88', '0.87', '0.86']);
});

test('queue full → 503 overloaded with Retry-After; the admitted pose requests all finish', async () => {
  const gate = gatedPoseModel(pose);
  const gated = await startPoseApp(gate.model, { concurrency: 1, queueLength: 1, retryAfterS: 2 });
  extra.push(gated);
  const body = (id: string) => ({ id, image: toBase64(image) });
  const admitted = [postJson(`${gated.url}/api/pose_estimation`, body('a0')), postJson(`${gated.url}/api/pose_estimation_annotation`, body('a1'))];
  for (let i = 0; i < 500 && !(gate.started() === 1 && gated.service.limiter.waiting === 1); i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(gate.started(), 1);
  assert.equal(gated.service.limiter.waiting, 1);

  const refused = await postJson(`${gated.url}/api/pose_estimation`, body('a2'));
  assert.equal(refused.status, 503);
  assert.equal(refused.headers.get('retry-after'), '2');
  assert.equal(((await refused.json()) as { error: { code: string } }).error.code, 'overloaded');

  gate.open();
  const responses = await Promise.all(admitted);
  assert.deepEqual(responses.map((r) => r.status), [200, 200]);
  assert.deepEqual(await Promise.all(responses.map(async (r) => ((await r.json()) as { id: string }).id)), ['a0', 'a1']);
});
