import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { redSquareDetector, startApp, postJson, type Running } from '../helpers/service.js';
import { squareImage, toBase64 } from '../helpers/service-images.js';

let app: Running;
let image: Buffer;
before(async () => {
  app = await startApp(redSquareDetector());
  image = await squareImage({ width: 320, height: 200, square: { left: 100, top: 40, width: 60, height: 80 } });
});
after(() => app.close());

interface DetectResponse {
  id: string;
  objects: Array<{ label: string; accuracy: number; rectangle: { height: number; left: number; top: number; width: number } }>;
}

function checkContract(body: DetectResponse, id: string): void {
  assert.deepEqual(Object.keys(body).sort(), ['id', 'objects']);
  assert.equal(body.id, id);
  assert.ok(body.objects.length > 0);
  for (const o of body.objects) {
    assert.deepEqual(Object.keys(o).sort(), ['accuracy', 'label', 'rectangle']);
    assert.ok(o.accuracy >= 0 && o.accuracy <= 1);
    assert.deepEqual(Object.keys(o.rectangle).sort(), ['height', 'left', 'top', 'width']);
    for (const v of Object.values(o.rectangle)) assert.ok(Number.isInteger(v) && v >= 0);
    assert.ok(o.rectangle.left + o.rectangle.width <= 320 && o.rectangle.top + o.rectangle.height <= 200);
  }
}

test('POST /api/object_detection: the contract, echoed id, replica and timing headers', async () => {
  const res = await postJson(`${app.url}/api/object_detection`, { id: 'req-1', image: toBase64(image) });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('x-served-by'), 'test-replica');
  const timing = res.headers.get('server-timing') ?? '';
  for (const stage of ['queue', 'decode', 'inference', 'postprocess', 'total']) assert.match(timing, new RegExp(`${stage};dur=[0-9.]+`));
  const body = (await res.json()) as DetectResponse;
  checkContract(body, 'req-1');
  assert.equal(body.objects[0]!.label, 'square');
});

test('the course client form (double-encoded JSON string) gives the same answer', async () => {
  const plain = (await (await postJson(`${app.url}/api/object_detection`, { id: 'a', image: toBase64(image) })).json()) as DetectResponse;
  const res = await postJson(`${app.url}/api/object_detection`, JSON.stringify(JSON.stringify({ id: 'a', image: toBase64(image) })));
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), plain);
});

test('multipart with an image file: id kept when given, generated when absent', async () => {
  for (const id of ['mp-7', undefined]) {
    const form = new FormData();
    if (id) form.set('id', id);
    form.set('image', new Blob([new Uint8Array(image)], { type: 'image/png' }), 'x.png');
    const res = await fetch(`${app.url}/api/object_detection`, { method: 'POST', body: form });
    assert.equal(res.status, 200);
    const body = (await res.json()) as DetectResponse;
    checkContract(body, id ?? body.id);
    if (!id) assert.match(body.id, /^[0-9a-f-]{36}$/);
  }
});

test('JSON sent as text/plain or with a data: URL is accepted too', async () => {
  const res = await fetch(`${app.url}/api/object_detection`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain' },
    body: JSON.stringify({ id: 't', image: `data:image/png;base64,${toBase64(image)}` }),
  });
  assert.equal(res.status, 200);
  checkContract((await res.json()) as DetectResponse, 't');
});

test('POST /api/object_detection_image returns a JPEG of the original size with the box drawn', async () => {
  const res = await postJson(`${app.url}/api/object_detection_image`, { id: 'img', image: toBase64(image) });
  assert.equal(res.status, 200);
  const body = (await res.json()) as { id: string; image: string };
  assert.equal(body.id, 'img');
  const drawn = Buffer.from(body.image, 'base64');
  const meta = await sharp(drawn).metadata();
  assert.equal(meta.format, 'jpeg');
  assert.equal(meta.width, 320);
  assert.equal(meta.height, 200);
  // The label tag sits just above the box, on what was plain grey.
  const { data, info } = await sharp(drawn).raw().toBuffer({ resolveWithObject: true });
  const at = (x: number, y: number): number[] => [...data.subarray((y * info.width + x) * info.channels, (y * info.width + x) * info.channels + 3)];
  const [r, g, b] = at(110, 32);
  assert.ok(Math.abs(r! - 128) + Math.abs(g! - 128) + Math.abs(b! - 128) > 60, `pixel under the label tag is still grey: ${r},${g},${b}`);
});

test('health, readiness and metrics', async () => {
  assert.deepEqual(await (await fetch(`${app.url}/healthz`)).json(), { status: 'ok' });
  const ready = await fetch(`${app.url}/readyz`);
  assert.equal(ready.status, 200);
  const metrics = await (await fetch(`${app.url}/metrics`)).text();
  assert.match(metrics, /http_requests_total\{route="\/api\/object_detection",method="POST",status="200"\} [1-9]/);
  for (const stage of ['queue', 'decode', 'inference', 'postprocess']) {
    assert.match(metrics, new RegExp(`inference_stage_duration_seconds_count\\{route="/api/object_detection",stage="${stage}"\\} [1-9]`));
  }
  assert.match(metrics, /http_requests_in_flight \d/);
  assert.match(metrics, /http_requests_queued \d/);
  assert.match(metrics, /model_info\{path="test:red-square",family="yolov8",input="96x64",threads="1"\} 1/);
});

test('one JSON log line per request with replica, id, status and stage times', async () => {
  await postJson(`${app.url}/api/object_detection`, { id: 'logged-1', image: toBase64(image) });
  const line = app.log.lines().find((l) => l.id === 'logged-1');
  assert.ok(line, 'no log line for the request');
  assert.equal(line.replica, 'test-replica');
  assert.equal(line.status, 200);
  assert.equal(line.route, '/api/object_detection');
  assert.deepEqual(Object.keys(line.stages as object).sort(), ['decode', 'inference', 'postprocess', 'queue']);
});

test('before the model is ready: /healthz 200, /readyz and detection 503', async () => {
  const cold = await startApp(undefined);
  try {
    assert.equal((await fetch(`${cold.url}/healthz`)).status, 200);
    const ready = await fetch(`${cold.url}/readyz`);
    assert.equal(ready.status, 503);
    assert.equal(((await ready.json()) as { error: { code: string } }).error.code, 'not_ready');
    const res = await postJson(`${cold.url}/api/object_detection`, { id: 'early', image: toBase64(image) });
    assert.equal(res.status, 503);
    assert.ok(res.headers.get('retry-after'));
    cold.service.setDetector(redSquareDetector());
    assert.equal((await fetch(`${cold.url}/readyz`)).status, 200);
  } finally {
    await cold.close();
  }
});
