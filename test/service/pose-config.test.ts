import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, INSTALLED_POSE_DETECTOR, INSTALLED_POSE_MODEL, loadConfig } from '../../service/config.js';

test('pose is off by default, even when pose models are installed', () => {
  const c = loadConfig({});
  assert.equal(c.TASK, 'detection');
  assert.equal(c.pose, undefined);
});

test('TASK=pose serves the installed MoveNet + yolov8n pair unless told otherwise', () => {
  assert.deepEqual(loadConfig({ TASK: 'pose' }).pose, { modelPath: INSTALLED_POSE_MODEL, detectorPath: INSTALLED_POSE_DETECTOR, maxPeople: 20 });
  assert.deepEqual(loadConfig({ TASK: 'pose', POSE_DETECTOR_PATH: 'd.onnx' }).pose, { modelPath: INSTALLED_POSE_MODEL, detectorPath: 'd.onnx', maxPeople: 20 });
  // a model given explicitly (a single-stage YOLO-pose, say) gets no implicit detector
  assert.deepEqual(loadConfig({ TASK: 'pose', POSE_MODEL_PATH: 'yolo-pose.onnx' }).pose, { modelPath: 'yolo-pose.onnx', detectorPath: undefined, maxPeople: 20 });
});

test('POSE_MODEL_PATH adds pose to a detection replica; POSE_MAX_PEOPLE is parsed', () => {
  const c = loadConfig({ POSE_MODEL_PATH: 'm.onnx', POSE_DETECTOR_PATH: 'd.onnx', POSE_MAX_PEOPLE: '7' });
  assert.equal(c.TASK, 'detection');
  assert.deepEqual(c.pose, { modelPath: 'm.onnx', detectorPath: 'd.onnx', maxPeople: 7 });
});

test('bad pose settings are reported by name', () => {
  assert.throws(() => loadConfig({ TASK: 'segmentation', POSE_MAX_PEOPLE: '0' }), (err: unknown) => {
    assert.ok(err instanceof ConfigError);
    assert.match(err.message, /TASK:/);
    assert.match(err.message, /POSE_MAX_PEOPLE:/);
    return true;
  });
  assert.throws(() => loadConfig({ POSE_DETECTOR_PATH: 'd.onnx' }), /POSE_DETECTOR_PATH: pose is off: set POSE_MODEL_PATH too/);
});
