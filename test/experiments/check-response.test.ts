import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkResponse } from '../../experiments/load/check-response.js';
import { toPoseResponse } from '../../model/pose/response.js';
import type { Keypoint } from '../../model/pose/types.js';

const person = (i: number) => ({
  box: { x: 10 * i, y: 5, width: 40, height: 90 },
  probability: 0.8,
  keypoints: Array.from({ length: 17 }, (_, k): Keypoint => [10 * i + k, 5 + k, 0.5]),
});

/** The body the service itself builds (model/pose/response.ts), so checker and service cannot drift apart. */
function poseBody(id: string, people: number): Record<string, unknown> {
  const result = { width: 640, height: 480, people: Array.from({ length: people }, (_, i) => person(i)), timings: { preprocessMs: 3, inferenceMs: 40, postprocessMs: 1 } };
  return toPoseResponse(id, result) as unknown as Record<string, unknown>;
}

const check = (body: unknown, sent = 'req-1') => checkResponse('pose', 200, JSON.stringify(body), sent);

test('pose: the service\'s own answers pass, with and without people', () => {
  assert.equal(check(poseBody('req-1', 2)), null);
  assert.equal(check(poseBody('req-1', 0)), null);
});

test('pose: a wrong id, status or unparsable body fails like detection', () => {
  assert.equal(check(poseBody('other', 1)), 'id-mismatch');
  assert.equal(checkResponse('pose', 500, JSON.stringify(poseBody('req-1', 1)), 'req-1'), 'status');
  assert.equal(checkResponse('pose', 200, '<html>', 'req-1'), 'body');
});

test('pose: every field of the contract is checked', () => {
  const broken: Array<[string, (b: Record<string, unknown>) => void]> = [
    ['count disagrees with boxes', (b) => (b.count = 3)],
    ['keypoints missing for one person', (b) => (b.keypoints = (b.keypoints as unknown[]).slice(1))],
    ['16 keypoints', (b) => (b.keypoints = (b.keypoints as unknown[][]).map((k) => k.slice(1)))],
    ['a keypoint of 2 numbers', (b) => ((b.keypoints as number[][][])[0]![0] = [1, 2])],
    ['a keypoint coordinate as string', (b) => ((b.keypoints as unknown[][][])[0]![0]![0] = '1')],
    ['a box without probability', (b) => delete (b.boxes as Record<string, unknown>[])[0]!.probability],
    ['speed_inference missing', (b) => delete b.speed_inference],
    ['speed_preprocess as string', (b) => (b.speed_preprocess = '3')],
    ['the detection body', (b) => {
      for (const k of Object.keys(b)) if (k !== 'id') delete b[k];
      b.objects = [];
    }],
  ];
  for (const [what, breakIt] of broken) {
    const body = poseBody('req-1', 2);
    breakIt(body);
    assert.equal(check(body), 'body', what);
  }
});

test('detection and pose bodies are not interchangeable', () => {
  const detection = { id: 'req-1', objects: [] };
  assert.equal(checkResponse('detection', 200, JSON.stringify(detection), 'req-1'), null);
  assert.equal(check(detection), 'body');
  assert.equal(checkResponse('detection', 200, JSON.stringify(poseBody('req-1', 1)), 'req-1'), 'body');
});
