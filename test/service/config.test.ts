import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../../service/config.js';

test('defaults fill an empty environment', () => {
  const c = loadConfig({});
  assert.equal(c.PORT, 8080);
  assert.equal(c.MODEL_PATH, 'model/default.onnx');
  assert.equal(c.SCORE_THRESHOLD, 0.5);
  assert.equal(c.CLASS_WISE_NMS, true);
  assert.ok(c.replica.length > 0);
});

test('admission defaults: 16 waiting, 64 MiB of body memory, 10 s queue-time limit', () => {
  const c = loadConfig({});
  assert.equal(c.QUEUE_LENGTH, 16);
  assert.equal(c.MAX_QUEUED_BYTES, 64 * 1024 * 1024);
  assert.equal(c.QUEUE_TIMEOUT_MS, 10_000);
  assert.equal(loadConfig({ QUEUE_TIMEOUT_MS: '1500' }).QUEUE_TIMEOUT_MS, 1500);
  assert.throws(() => loadConfig({ QUEUE_TIMEOUT_MS: '0' }), /QUEUE_TIMEOUT_MS/);
});

test('values are parsed from strings; empty strings count as unset; POD_NAME names the replica', () => {
  const c = loadConfig({ PORT: '9000', SCORE_THRESHOLD: '0.25', CLASS_WISE_NMS: 'false', QUEUE_LENGTH: '', POD_NAME: 'pod-7' });
  assert.equal(c.PORT, 9000);
  assert.equal(c.SCORE_THRESHOLD, 0.25);
  assert.equal(c.CLASS_WISE_NMS, false);
  assert.equal(c.QUEUE_LENGTH, 16);
  assert.equal(c.replica, 'pod-7');
});

test('every invalid variable is reported at once, by name', () => {
  assert.throws(
    () => loadConfig({ PORT: '80', SCORE_THRESHOLD: '1.5', WORKER_THREADS: 'many', CLASS_WISE_NMS: 'maybe' }),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      for (const name of ['PORT', 'SCORE_THRESHOLD', 'WORKER_THREADS', 'CLASS_WISE_NMS']) assert.match(err.message, new RegExp(`${name}:`));
      return true;
    },
  );
});

test('PORT must be above 1024', () => {
  assert.throws(() => loadConfig({ PORT: '1024' }), /PORT/);
  assert.equal(loadConfig({ PORT: '1025' }).PORT, 1025);
});
