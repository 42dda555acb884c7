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
import { gzipSync } from 'node:zlib';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { loadPoseModel, type PoseModel } from '../../service/pose.js';
import { fuzzCases, pngBomb } from '../helpers/service-bad-inputs.js';
import { postJson } from '../helpers/service.js';
import { squareImage, toBase64 } from '../helpers/service-images.js';
import { startPoseApp, writeSyntheticPoseModels, type RunningPose } from '../helpers/service-pose.js';

const MAX_BODY = 256 * 1024;
const ROUTES = ['/api/pose_estimation', '/api/pose_estimation_annotation'];
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

async function expectError(res: Response, status: number, code: string, id?: string): Promise<{ error: { code: string; message: string } }> {
  const text = await res.text();
  assert.equal(res.status, status, `expected ${status} ${code}, got ${res.status}: ${text.slice(0, 200)}`);
  assert.match(res.headers.get('content-type') ?? '', /application\/json/);
  assert.equal(res.headers.get('x-served-by'), 'test-replica');
  assert.match(res.headers.get('server-timing') ?? '', /total;dur=/);
  const body = JSON.parse(text) as { id?: string; error: { code: string; message: string } };
  assert.equal(body.error.code, code);
  assert.ok(body.error.message.length > 0);
  assert.equal(body.id, id);
  return body;
}

test('malformed JSON → 400 malformed_json', async () => {
  for (const route of ROUTES) {
    await expectError(await postJson(`${app.url}${route}`, '{"id": "a", "image": '), 400, 'malformed_json');
    await expectError(await postJson(`${app.url}${route}`, JSON.stringify('{"id": broken')), 400, 'malformed_json');
  }
});

test('missing, empty or mistyped id/image → 400 naming the field; not an object → 400 invalid_request', async () => {
  const b64 = toBase64(image);
  const cases: Array<[unknown, string, string, string | undefined]> = [
    [{ image: b64 }, 'missing_field', 'id', undefined],
    [{ id: '', image: b64 }, 'missing_field', 'id', undefined],
    [{ id: 42, image: b64 }, 'invalid_field', 'id', undefined],
    [{ id: 'x1' }, 'missing_field', 'image', 'x1'],
    [{ id: 'x2', image: '' }, 'missing_field', 'image', 'x2'],
    [{ id: 'x3', image: { data: b64 } }, 'invalid_field', 'image', 'x3'],
  ];
  for (const route of ROUTES) {
    for (const [body, code, field, id] of cases) {
      const err = await expectError(await postJson(`${app.url}${route}`, body), 400, code, id);
      assert.match(err.error.message, new RegExp(`"${field}"`));
    }
    await expectError(await postJson(`${app.url}${route}`, [1, 2]), 400, 'invalid_request');
  }
});

test('invalid base64 → 400; not an image or GIF/TIFF/SVG → 415; truncated JPEG → 422 corrupt_image', async () => {
  const gif = await sharp({ create: { width: 8, height: 8, channels: 3, background: 'red' } }).gif().toBuffer();
  const tiff = await sharp({ create: { width: 8, height: 8, channels: 3, background: 'red' } }).tiff().toBuffer();
  const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>');
  const truncated = image.subarray(0, Math.floor(image.length / 3));
  for (const route of ROUTES) {
    await expectError(await postJson(`${app.url}${route}`, { id: 'b', image: 'this is not base64!' }), 400, 'invalid_base64', 'b');
    for (const bytes of [Buffer.from('hello, not an image'), gif, tiff, svg]) {
      await expectError(await postJson(`${app.url}${route}`, { id: 'f', image: toBase64(bytes) }), 415, 'unsupported_media', 'f');
    }
    await expectError(await postJson(`${app.url}${route}`, { id: 't', image: toBase64(truncated) }), 422, 'corrupt_image', 't');
  }
});

test('pixel bomb (30000×30000 PNG) → 422 too_many_pixels', async () => {
  const bomb = pngBomb();
  assert.ok(bomb.length < MAX_BODY);
  for (const route of ROUTES) await expectError(await postJson(`${app.url}${route}`, { id: 'bomb', image: toBase64(bomb) }), 422, 'too_many_pixels', 'bomb');
});

test('body over the limit → 413 whether declared, chunked, gzip-inflated or multipart', async () => {
  const route = ROUTES[0]!;
  await expectError(await postJson(`${app.url}${route}`, { id: 'big', image: 'A'.repeat(MAX_BODY) }), 413, 'body_too_large');
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      for (let i = 0; i < 8; i++) c.enqueue(new Uint8Array(MAX_BODY / 4).fill(65));
      c.close();
    },
  });
  await expectError(await fetch(`${app.url}${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: stream, duplex: 'half' } as RequestInit), 413, 'body_too_large');
  const gzipBomb = gzipSync(Buffer.from(JSON.stringify({ id: 'gz', image: 'A'.repeat(MAX_BODY * 8) })));
  await expectError(await fetch(`${app.url}${route}`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: gzipBomb }), 413, 'body_too_large');
  const form = new FormData();
  form.set('image', new Blob([new Uint8Array(MAX_BODY + 10)]), 'big.jpg');
  await expectError(await fetch(`${app.url}${route}`, { method: 'POST', body: form }), 413, 'body_too_large');
});

test('unsupported content encoding or charset → 415; broken multipart → 400', async () => {
  const route = ROUTES[1]!;
  const body = JSON.stringify({ id: 'e', image: toBase64(image) });
  await expectError(await fetch(`${app.url}${route}`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'x-unknown' }, body }), 415, 'unsupported_encoding');
  await expectError(await fetch(`${app.url}${route}`, { method: 'POST', headers: { 'content-type': 'application/json; charset=latin-2' }, body }), 415, 'unsupported_encoding');
  await expectError(await fetch(`${app.url}${route}`, { method: 'POST', headers: { 'content-type': 'multipart/form-data' }, body: 'x' }), 400, 'invalid_request');
});

test('wrong method → 405 with Allow on every pose route and alias', async () => {
  for (const route of [...ROUTES, '/api/pose_detection', '/api/pose_estimation_image']) {
    const res = await fetch(`${app.url}${route}`);
    assert.equal(res.headers.get('allow'), 'POST');
    await expectError(res, 405, 'method_not_allowed');
  }
});

test('odd but valid images (grey, palette, 16-bit, CMYK, 1×1, WebP) → 200', async () => {
  const base = () => sharp({ create: { width: 60, height: 40, channels: 4, background: { r: 10, g: 200, b: 30, alpha: 0.5 } } });
  const images = [
    await base().grayscale().png().toBuffer(),
    await base().png({ palette: true }).toBuffer(),
    await base().toColourspace('rgb16').png().toBuffer(),
    await base().jpeg().toColourspace('cmyk').toBuffer(),
    await sharp({ create: { width: 1, height: 1, channels: 3, background: 'white' } }).jpeg().toBuffer(),
    await base().webp().toBuffer(),
  ];
  for (const route of ROUTES) {
    for (const [i, bytes] of images.entries()) {
      const res = await postJson(`${app.url}${route}`, { id: `odd-${i}`, image: toBase64(bytes) });
      assert.equal(res.status, 200, `${route} image ${i}: ${await res.text()}`);
    }
  }
});

test('fuzz: 300 random and mutated bodies give no 5xx, always JSON, and the server stays up', async () => {
  const statuses = new Map<number, number>();
  for (const c of fuzzCases(20261123, 300, image)) {
    const headers: Record<string, string> = c.contentType ? { 'content-type': c.contentType } : {};
    const res = await fetch(`${app.url}${ROUTES[0]}`, { method: 'POST', headers, body: c.body });
    const text = await res.text();
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    assert.ok(res.status < 500, `${c.what} (${c.contentType}) → ${res.status} ${text.slice(0, 200)}`);
    const body = JSON.parse(text) as { error?: { code: string }; keypoints?: unknown[] };
    assert.ok(res.status === 200 ? Array.isArray(body.keypoints) : typeof body.error?.code === 'string', `${c.what}: ${text.slice(0, 200)}`);
  }
  assert.ok(statuses.size > 3, `fuzz should reach several outcomes, got ${[...statuses.keys()].join(',')}`);
  assert.equal((await fetch(`${app.url}/healthz`)).status, 200);
  assert.equal(app.log.lines().filter((l) => l.level === 50).length, 0, 'an unhandled error was logged');
});
