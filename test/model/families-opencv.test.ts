/**
 * Cross-checks each family against OpenCV DNN running the same ONNX file,
 * with preprocessing and decoding written independently in Python
 * (test/helpers/opencv-families.py).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { convertDarknetFiles } from '../../model/convert.js';
import { randomWeights } from '../../model/darknet/random-weights.js';
import { iou, loadModelFamily, preprocess, toDetections } from '../../model/families/index.js';
import type { Detection, InputSpec, ModelFamily } from '../../model/families/index.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const shared = resolve(repoRoot, '../shared');
const helper = join(repoRoot, 'test/helpers/opencv-families.py');
const PYTHON = '/usr/bin/python3';
const MIN_SCORE = 0.3;
const IOU = 0.45;

const noShared = existsSync(join(shared, 'model')) && existsSync(join(shared, 'samples')) ? false : `${shared}/model and /samples are absent`;
const noOpenCv = spawnSync(PYTHON, ['-c', 'import cv2, numpy'], { stdio: 'ignore' }).status === 0 ? false : `${PYTHON} cannot import cv2 (apt: python3-opencv)`;

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'families-opencv-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Run {
  detections: Detection[];
  /** the exact network input, as an image OpenCV can read */
  inputPng: string;
}

async function runOurs(session: ort.InferenceSession, family: ModelFamily, imagePath: string): Promise<Run> {
  const { tensor, dims, placement } = await preprocess(await readFile(imagePath), family.input, { maxPixels: 50_000_000 });
  const out = (await session.run({ [family.input.name]: new ort.Tensor('float32', tensor as Float32Array, dims) }))[family.outputName]!;
  const candidates = family.decode({ data: out.data as Float32Array, dims: out.dims }, MIN_SCORE);
  const detections = toDetections(candidates, placement, family.labels, { iouThreshold: IOU, classWise: true });
  const inputPng = join(dir, `${family.family}-${imagePath.split('/').pop()}.png`);
  await sharp(tensorToRgb(tensor, family.input), { raw: { width: family.input.width, height: family.input.height, channels: 3 } }).png().toFile(inputPng);
  return { detections, inputPng };
}

/** Opens one session for `body` and releases it afterwards. */
async function withSession<T>(modelPath: string, body: (session: ort.InferenceSession) => Promise<T>): Promise<T> {
  const session = await ort.InferenceSession.create(modelPath, { intraOpNumThreads: 1 });
  try {
    return await body(session);
  } finally {
    await session.release();
  }
}

/** NCHW tensor → interleaved RGB bytes (inverse of toTensor). */
function tensorToRgb(tensor: Float32Array | Uint8Array, input: InputSpec): Buffer {
  const plane = input.width * input.height;
  const rgb = Buffer.alloc(plane * 3);
  const channelOf = input.channelOrder === 'RGB' ? [0, 1, 2] : [2, 1, 0];
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) rgb[i * 3 + channelOf[c]!] = Math.round(tensor[c * plane + i]! / input.scale);
  }
  return rgb;
}

type OpenCvResult = { detections: Omit<Detection, 'label'>[] } | { error: string };

function runOpenCv(family: string, model: string, image: string, input: InputSpec, inputPng?: string, extra: string[] = []): OpenCvResult {
  const args = [helper, family, model, image, '--size', String(input.width), String(input.height), '--min-score', String(MIN_SCORE), '--iou', String(IOU), ...extra];
  if (inputPng) args.push('--input-png', inputPng);
  const run = spawnSync(PYTHON, args, { encoding: 'utf8', timeout: 60_000 });
  if (run.status !== 0 && run.status !== 3) throw new Error(`opencv helper failed (${run.status}): ${run.stderr}`);
  return JSON.parse(run.stdout) as OpenCvResult;
}

function corners(d: Pick<Detection, 'box' | 'score' | 'classId'>) {
  return { x1: d.box.left, y1: d.box.top, x2: d.box.left + d.box.width, y2: d.box.top + d.box.height, score: d.score, classId: d.classId };
}

/** Every detection at least `floor` confident on one side has a same-class partner with IoU ≥ 0.9 on the other. */
function assertMatch(ours: readonly Detection[], theirs: readonly Omit<Detection, 'label'>[], floor: number, scoreTolerance: number | null, what: string): void {
  const pairs: [readonly Pick<Detection, 'box' | 'score' | 'classId'>[], readonly Pick<Detection, 'box' | 'score' | 'classId'>[], string][] = [
    [theirs, ours, 'ours'],
    [ours, theirs, 'OpenCV'],
  ];
  for (const [from, to, side] of pairs) {
    for (const d of from.filter((x) => x.score >= floor)) {
      const best = to
        .filter((o) => o.classId === d.classId)
        .map((o) => ({ o, overlap: iou(corners(d), corners(o)) }))
        .sort((a, b) => b.overlap - a.overlap)[0];
      const desc = `${what}: class ${d.classId} ${d.score.toFixed(3)} ${JSON.stringify(d.box)}`;
      assert.ok(best && best.overlap >= 0.9, `${desc} has no match in ${side} (best IoU ${best?.overlap.toFixed(3) ?? 'none'})`);
      if (scoreTolerance !== null) {
        assert.ok(Math.abs(best.o.score - d.score) <= scoreTolerance, `${desc}: scores ${d.score.toFixed(4)} vs ${best.o.score.toFixed(4)}`);
      }
    }
  }
}

const photos = ['dog.jpg', 'person.jpg', 'horses.jpg'];

test('yolox: same boxes, labels and scores as OpenCV DNN on the sample photos', { skip: noShared || noOpenCv }, async () => {
  const model = join(shared, 'model/yolox_nano.onnx');
  const family = await loadModelFamily(model);
  assert.equal(family.family, 'yolox');
  await withSession(model, async (session) => {
    for (const photo of photos) {
      const image = join(shared, 'samples', photo);
      const ours = await runOurs(session, family, image);
      assert.ok(ours.detections.length > 0, `${photo}: no detections`);
      // Identical network input: decode, mapping and NMS must agree to the letter.
      const same = runOpenCv('yolox', model, image, family.input, ours.inputPng);
      assert.ok('detections' in same, JSON.stringify(same));
      assertMatch(ours.detections, same.detections, MIN_SCORE + 0.02, 0.02, `${photo} (same pixels)`);
      // OpenCV's own decode and resize round a few values differently; confident detections still agree.
      const own = runOpenCv('yolox', model, image, family.input);
      assert.ok('detections' in own, JSON.stringify(own));
      assertMatch(ours.detections, own.detections, 0.6, 0.05, `${photo} (OpenCV resize)`);
    }
  });
});

const expected: Record<string, string[][]> = {
  'dog.jpg': [['dog'], ['bicycle'], ['car', 'truck']],
  'person.jpg': [['person'], ['horse'], ['dog']],
};

test('yolov8: detects the known content of the sample photos', { skip: noShared }, async () => {
  const model = join(shared, 'model/yolov8n_int8.onnx');
  const family = await loadModelFamily(model);
  assert.equal(family.family, 'yolov8');
  await withSession(model, async (session) => {
    for (const [photo, wanted] of Object.entries(expected)) {
      const { detections } = await runOurs(session, family, join(shared, 'samples', photo));
      const labels = new Set(detections.filter((d) => d.score >= 0.5).map((d) => d.label));
      for (const anyOf of wanted) assert.ok(anyOf.some((l) => labels.has(l)), `${photo}: none of ${anyOf.join('/')} in ${[...labels].join(', ')}`);
      for (const d of detections) {
        assert.ok(d.box.left >= 0 && d.box.top >= 0 && d.box.width > 0 && d.box.height > 0);
      }
    }
  });
});

test('yolov8: same boxes, labels and scores as OpenCV DNN', { skip: noShared || noOpenCv }, async (t) => {
  const model = join(shared, 'model/yolov8n_int8.onnx');
  const family = await loadModelFamily(model);
  const image = join(shared, 'samples/dog.jpg');
  const probe = runOpenCv('yolov8', model, image, family.input);
  if ('error' in probe) {
    t.skip(`OpenCV ${cvVersion()} cannot load the int8 YOLOv8 (${probe.error}); known labels are checked instead`);
    return;
  }
  const ours = await withSession(model, (session) => runOurs(session, family, image));
  const theirs = runOpenCv('yolov8', model, image, family.input, ours.inputPng);
  assert.ok('detections' in theirs, JSON.stringify(theirs));
  assertMatch(ours.detections, theirs.detections, MIN_SCORE + 0.02, 0.02, 'dog.jpg');
});

function cvVersion(): string {
  return spawnSync(PYTHON, ['-c', 'import cv2; print(cv2.__version__)'], { encoding: 'utf8' }).stdout.trim();
}

test('darknet-yolo: a converted yolov3-tiny with random weights matches OpenCV running the original cfg + weights', { skip: noShared || noOpenCv }, async () => {
  const cfg = join(shared, 'model/yolov3-tiny.cfg');
  const weights = join(dir, 'random.weights');
  await writeFile(weights, randomWeights(await readFile(cfg, 'utf8'), 11));
  const model = join(dir, 'random-yolov3-tiny.onnx');
  await convertDarknetFiles({ cfg, weights, names: join(shared, 'model/coco.names'), out: model });
  const family = await loadModelFamily(model);
  assert.equal(family.family, 'darknet-yolo');
  assert.equal(family.input.resize, 'stretch');
  const image = join(shared, 'samples/dog.jpg');
  const ours = await withSession(model, (session) => runOurs(session, family, image));
  assert.ok(ours.detections.length > 0, 'random weights should still produce some boxes above the threshold');
  const theirs = runOpenCv('darknet-yolo', cfg, image, family.input, ours.inputPng, ['--weights', weights]);
  assert.ok('detections' in theirs, JSON.stringify(theirs));
  assertMatch(ours.detections, theirs.detections, MIN_SCORE + 0.02, 0.02, 'dog.jpg');
});
