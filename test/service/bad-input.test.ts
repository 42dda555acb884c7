import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { gzipSync } from 'node:zlib';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { fuzzCases, pngBomb } from '../helpers/service-bad-inputs.js';
import { postJson, redSquareDetector, startApp, type Running } from '../helpers/service.js';
import { squareImage, toBase64 } from '../helpers/service-images.js';

const MAX_BODY = 256 * 1024;
let app: Running;
let image: Buffer;
before(async () => {
  app = await startApp(redSquareDetector(), { maxBodyBytes: MAX_BODY, maxImagePixels: 4_000_000, queueLength: 64, concurrency: 2 });
  image = await squareImage({ width: 200, height: 150, square: { left: 20, top: 20, width: 50, height: 40 }, format: 'jpeg' });
});
after(() => app.close());

const URL_PATH = '/api/object_detection';

async function expectError(res: Response, status: number, code: string, id?: string): Promise<{ id?: string; error: { code: string; message: string } }> {
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

test('malformed JSON → 400', async () => {
  await expectError(await postJson(`${app.url}${URL_PATH}`, '{"id": "a", "image": '), 400, 'malformed_json');
  await expectError(await postJson(`${app.url}${URL_PATH}`, JSON.stringify('{"id": broken')), 400, 'malformed_json');
});

test('missing, empty or non-string id/image → 400 naming the field, id echoed when readable', async () => {
  const b64 = toBase64(image);
  const cases: Array<[unknown, string, string, string | undefined]> = [
    [{ image: b64 }, 'missing_field', 'id', undefined],
    [{ id: '', image: b64 }, 'missing_field', 'id', undefined],
    [{ id: 42, image: b64 }, 'invalid_field', 'id', undefined],
    [{ id: 'x1' }, 'missing_field', 'image', 'x1'],
    [{ id: 'x2', image: '' }, 'missing_field', 'image', 'x2'],
    [{ id: 'x3', image: { data: b64 } }, 'invalid_field', 'image', 'x3'],
  ];
  for (const [body, code, field, id] of cases) {
    const err = await expectError(await postJson(`${app.url}${URL_PATH}`, body), 400, code, id);
    assert.match(err.error.message, new RegExp(`"${field}"`));
  }
  await expectError(await postJson(`${app.url}${URL_PATH}`, [1, 2]), 400, 'invalid_request');
  await expectError(await fetch(`${app.url}${URL_PATH}`, { method: 'POST' }), 400, 'missing_field');
});

test('invalid base64 → 400 with the id', async () => {
  await expectError(await postJson(`${app.url}${URL_PATH}`, { id: 'b', image: 'this is not base64!' }), 400, 'invalid_base64', 'b');
});

test('not an image, or an unsupported format (GIF, SVG, TIFF) → 415 with the id', async () => {
  const gif = await sharp({ create: { width: 8, height: 8, channels: 3, background: 'red' } }).gif().toBuffer();
  const tiff = await sharp({ create: { width: 8, height: 8, channels: 3, background: 'red' } }).tiff().toBuffer();
  const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>');
  for (const bytes of [Buffer.from('hello world, not an image'), gif, tiff, svg]) {
    await expectError(await postJson(`${app.url}${URL_PATH}`, { id: 'f', image: toBase64(bytes) }), 415, 'unsupported_media', 'f');
  }
});

test('a truncated JPEG → 422 corrupt_image', async () => {
  const truncated = image.subarray(0, Math.floor(image.length / 3));
  await expectError(await postJson(`${app.url}${URL_PATH}`, { id: 't', image: toBase64(truncated) }), 422, 'corrupt_image', 't');
});

test('pixel bomb (30000×30000 PNG) → 422 before any pixel is decoded', async () => {
  const bomb = pngBomb();
  assert.ok(bomb.length < MAX_BODY);
  await expectError(await postJson(`${app.url}${URL_PATH}`, { id: 'bomb', image: toBase64(bomb) }), 422, 'too_many_pixels', 'bomb');
  await expectError(await postJson(`${app.url}/api/object_detection_image`, { id: 'bomb2', image: toBase64(bomb) }), 422, 'too_many_pixels', 'bomb2');
});

test('body over the limit → 413, whether declared, chunked, gzip-inflated or multipart', async () => {
  const big = { id: 'big', image: 'A'.repeat(MAX_BODY) };
  await expectError(await postJson(`${app.url}${URL_PATH}`, big), 413, 'body_too_large');
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      for (let i = 0; i < 8; i++) c.enqueue(new Uint8Array(MAX_BODY / 4).fill(65));
      c.close();
    },
  });
  await expectError(await fetch(`${app.url}${URL_PATH}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: stream, duplex: 'half' } as RequestInit), 413, 'body_too_large');
  const gzipBomb = gzipSync(Buffer.from(JSON.stringify({ id: 'gz', image: 'A'.repeat(MAX_BODY * 8) })));
  assert.ok(gzipBomb.length < MAX_BODY / 10);
  await expectError(await fetch(`${app.url}${URL_PATH}`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: gzipBomb }), 413, 'body_too_large');
  const form = new FormData();
  form.set('image', new Blob([new Uint8Array(MAX_BODY + 10)]), 'big.jpg');
  await expectError(await fetch(`${app.url}${URL_PATH}`, { method: 'POST', body: form }), 413, 'body_too_large');
});

test('unsupported content encoding or charset → 415', async () => {
  const body = JSON.stringify({ id: 'e', image: toBase64(image) });
  await expectError(await fetch(`${app.url}${URL_PATH}`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'x-unknown' }, body }), 415, 'unsupported_encoding');
  await expectError(await fetch(`${app.url}${URL_PATH}`, { method: 'POST', headers: { 'content-type': 'application/json; charset=latin-2' }, body }), 415, 'unsupported_encoding');
});

test('broken multipart → 400', async () => {
  const res = await fetch(`${app.url}${URL_PATH}`, { method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=zzz' }, body: '--zzz\r\nContent-Disposition: form-data; name="image"\r\n\r\nabc' });
  assert.equal(res.status, 400);
  await expectError(await fetch(`${app.url}${URL_PATH}`, { method: 'POST', headers: { 'content-type': 'multipart/form-data' }, body: 'x' }), 400, 'invalid_request');
});

test('wrong method → 405 with Allow; unknown route → 404', async () => {
  const get = await fetch(`${app.url}${URL_PATH}`);
  assert.equal(get.headers.get('allow'), 'POST');
  await expectError(get, 405, 'method_not_allowed');
  await expectError(await fetch(`${app.url}/healthz`, { method: 'POST' }), 405, 'method_not_allowed');
  await expectError(await fetch(`${app.url}/api/nothing`, { method: 'POST' }), 404, 'not_found');
  await expectError(await fetch(`${app.url}/`), 404, 'not_found');
});

test('malformed HTTP and oversized headers get a JSON error with X-Served-By, not a bare reply', async () => {
  const { port } = new URL(app.url);
  const send = (raw: string): Promise<string> => new Promise((resolveReply, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () => socket.end(raw));
    let reply = '';
    socket.on('data', (d) => (reply += d.toString()));
    socket.on('close', () => resolveReply(reply));
    socket.on('error', reject);
  });
  const garbage = await send('THIS IS NOT HTTP\r\n\r\n');
  assert.match(garbage, /^HTTP\/1\.1 400 /);
  assert.match(garbage, /X-Served-By: test-replica/);
  assert.equal(JSON.parse(garbage.slice(garbage.indexOf('\r\n\r\n') + 4)).error.code, 'bad_http');
  const huge = await send(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`);
  assert.match(huge, /^HTTP\/1\.1 431 /);
  assert.match(huge, /"headers_too_large"/);
});

test('odd but valid images (grey, 16-bit, alpha, CMYK, 1×1) are all answered 200', async () => {
  const base = () => sharp({ create: { width: 60, height: 40, channels: 4, background: { r: 10, g: 200, b: 30, alpha: 0.5 } } });
  const images = [
    await base().png().toBuffer(),
    await base().grayscale().png().toBuffer(),
    await base().png({ palette: true }).toBuffer(),
    await base().toColourspace('rgb16').png().toBuffer(),
    await base().jpeg().toColourspace('cmyk').toBuffer(),
    await sharp({ create: { width: 1, height: 1, channels: 3, background: 'white' } }).jpeg().toBuffer(),
    await base().webp().toBuffer(),
  ];
  for (const [i, bytes] of images.entries()) {
    const res = await postJson(`${app.url}${URL_PATH}`, { id: `odd-${i}`, image: toBase64(bytes) });
    assert.equal(res.status, 200, `image ${i}: ${await res.text()}`);
  }
});

test('fuzz: 300 random and mutated bodies give no 5xx, always a JSON body, and the server stays up', async () => {
  const statuses = new Map<number, number>();
  for (const c of fuzzCases(20261123, 300, image)) {
    const headers: Record<string, string> = c.contentType ? { 'content-type': c.contentType } : {};
    const res = await fetch(`${app.url}${URL_PATH}`, { method: 'POST', headers, body: c.body });
    const text = await res.text();
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    assert.ok(res.status < 500, `${c.what} (${c.contentType}) → ${res.status} ${text.slice(0, 200)}`);
    const body = JSON.parse(text) as { error?: { code: string }; objects?: unknown[] };
    assert.ok(res.status === 200 ? Array.isArray(body.objects) : typeof body.error?.code === 'string', `${c.what}: ${text.slice(0, 200)}`);
  }
  assert.ok(statuses.size > 3, `fuzz should reach several outcomes, got ${[...statuses.keys()].join(',')}`);
  assert.equal((await fetch(`${app.url}/healthz`)).status, 200);
  assert.equal(app.log.lines().filter((l) => l.level === 50).length, 0, 'an unhandled error was logged');
});
