/**
 * Thousands of hostile requests (every kind the seeded generator makes:
 * mutated, truncated, multipart, nested, huge, double-encoded, compressed,
 * wrongly typed bodies and raw bad HTTP) against the real entry point
 * (service/main.ts) serving detection and pose with models the project
 * makes itself, on every image route, eight at a time. No answer may be a
 * 5xx other than an overload 503, none may be malformed, the process must
 * survive with its memory bounded, and it must still serve afterwards.
 * The speed and the memory target at the real body limit are the fuzz
 * bench's (`npm run bench -- fuzz`).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fuzzStream } from '../../bench/lib/fuzz-cases.js';
import { isTaskAnswer, runFuzz } from '../../bench/lib/fuzz-run.js';
import { squareImage, toBase64 } from '../helpers/service-images.js';
import { writeGeneratedModel } from '../helpers/service-model.js';
import { writeSyntheticPoseModels } from '../helpers/service-pose.js';
import { launchService, stopServices, waitReady, type ServiceChild } from '../helpers/service-process.js';
import { postJson } from '../helpers/service.js';

const CASES = 3000;
const MAX_BODY = 1024 * 1024;
const ROUTES = ['/api/object_detection', '/api/object_detection_image', '/api/pose_estimation', '/api/pose_estimation_annotation', '/api/pose_detection', '/api/pose_estimation_image'];

let dir: string;
let child: ServiceChild;
let image: Buffer;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'service-fuzz-'));
  const model = await writeGeneratedModel(dir);
  const pose = await writeSyntheticPoseModels(dir, [{ cx: 32, cy: 32, w: 10, h: 30, score: 0.9 }]);
  image = await squareImage({ width: 160, height: 120, square: { left: 20, top: 20, width: 40, height: 30 }, format: 'jpeg' });
  child = await launchService({
    MODEL_PATH: model,
    POSE_MODEL_PATH: pose.modelPath,
    POSE_DETECTOR_PATH: pose.detectorPath,
    MAX_BODY_BYTES: String(MAX_BODY),
    WORKER_THREADS: '1',
    LOG_LEVEL: 'warn',
  });
  await waitReady(child);
});
after(async () => {
  await stopServices();
  rmSync(dir, { recursive: true, force: true });
});

function peakRssMiB(pid: number): number {
  return Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;
}

test(`fuzz: ${CASES} hostile requests on every route of a real replica: no 5xx but overload 503s, no malformed answer, no crash, bounded memory`, async () => {
  const summary = await runFuzz({ url: child.url, routes: ROUTES, cases: fuzzStream(20261201, CASES, image, { maxBytes: MAX_BODY }), concurrency: 8 });
  assert.equal(summary.cases, CASES);
  assert.deepEqual(summary.problems, [], `${summary.problemCount} problems`);
  for (const status of [200, 400, 413, 415, 422, 431]) assert.ok((summary.statuses[status] ?? 0) > 0, `no ${status} among ${JSON.stringify(summary.statuses)}`);

  assert.equal(child.proc.exitCode, null, `the service exited: ${child.output().slice(-2000)}`);
  const errors = child.stdout().split('\n').filter((l) => l.startsWith('{') && (JSON.parse(l) as { level: number }).level >= 50);
  assert.deepEqual(errors.slice(0, 3), [], 'an unhandled error was logged');
  for (const route of ROUTES) {
    const res = await postJson(`${child.url}${route}`, { id: 'after-fuzz', image: toBase64(image) });
    const body = (await res.json()) as Record<string, unknown>;
    assert.equal(res.status, 200, `${route}: ${JSON.stringify(body).slice(0, 200)}`);
    assert.ok(isTaskAnswer(body));
  }
  // Far above what the tiny models need (about 150 MiB), far below what an unbounded parse of these bodies took.
  const peak = peakRssMiB(child.proc.pid!);
  assert.ok(peak < 300, `peak RSS ${peak.toFixed(0)} MiB`);
});
