/**
 * The bad-input classes every image route must refuse the same way (status,
 * error code, id echo, headers, never a 5xx), as one suite that detection
 * and pose tests both register for their own routes and app.
 */
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { test } from 'node:test';
import sharp from 'sharp';
import { fuzzCases, pngBomb } from '../../bench/lib/fuzz-cases.js';
import { runFuzz } from '../../bench/lib/fuzz-run.js';
import { postJson, type Running } from './service.js';
import { toBase64 } from './service-images.js';

export interface BadInputSuite {
  /** image routes of the task; the first also gets the body-limit and fuzz passes */
  routes: string[];
  app: () => Running;
  /** a valid photo the app accepts */
  image: () => Buffer;
  maxBodyBytes: number;
  /** a 200 body has the task's answer shape */
  isAnswer: (body: Record<string, unknown>) => boolean;
}

export async function expectError(res: Response, status: number, code: string, id?: string): Promise<{ id?: string; error: { code: string; message: string } }> {
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

export function registerBadInputSuite(s: BadInputSuite): void {
  const url = (route: string) => `${s.app().url}${route}`;

  test('malformed JSON → 400 malformed_json', async () => {
    for (const route of s.routes) {
      await expectError(await postJson(url(route), '{"id": "a", "image": '), 400, 'malformed_json');
      await expectError(await postJson(url(route), JSON.stringify('{"id": broken')), 400, 'malformed_json');
    }
  });

  test('missing, empty or mistyped id/image → 400 naming the field, id echoed when readable; not an object → 400 invalid_request', async () => {
    const b64 = toBase64(s.image());
    const cases: Array<[unknown, string, string, string | undefined]> = [
      [{ image: b64 }, 'missing_field', 'id', undefined],
      [{ id: '', image: b64 }, 'missing_field', 'id', undefined],
      [{ id: 42, image: b64 }, 'invalid_field', 'id', undefined],
      [{ id: 'x1' }, 'missing_field', 'image', 'x1'],
      [{ id: 'x2', image: '' }, 'missing_field', 'image', 'x2'],
      [{ id: 'x3', image: { data: b64 } }, 'invalid_field', 'image', 'x3'],
    ];
    for (const route of s.routes) {
      for (const [body, code, field, id] of cases) {
        const err = await expectError(await postJson(url(route), body), 400, code, id);
        assert.match(err.error.message, new RegExp(`"${field}"`));
      }
      await expectError(await postJson(url(route), [1, 2]), 400, 'invalid_request');
      await expectError(await fetch(url(route), { method: 'POST' }), 400, 'missing_field');
    }
  });

  test('invalid base64 → 400; not an image or GIF/TIFF/SVG → 415; truncated JPEG → 422 corrupt_image', async () => {
    const gif = await sharp({ create: { width: 8, height: 8, channels: 3, background: 'red' } }).gif().toBuffer();
    const tiff = await sharp({ create: { width: 8, height: 8, channels: 3, background: 'red' } }).tiff().toBuffer();
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>');
    const truncated = s.image().subarray(0, Math.floor(s.image().length / 3));
    for (const route of s.routes) {
      await expectError(await postJson(url(route), { id: 'b', image: 'this is not base64!' }), 400, 'invalid_base64', 'b');
      for (const bytes of [Buffer.from('hello, not an image'), gif, tiff, svg]) {
        await expectError(await postJson(url(route), { id: 'f', image: toBase64(bytes) }), 415, 'unsupported_media', 'f');
      }
      await expectError(await postJson(url(route), { id: 't', image: toBase64(truncated) }), 422, 'corrupt_image', 't');
    }
  });

  test('a JPEG with corrupt entropy data: answered (the decoders tolerate it) or 422, never 500, on every route', async () => {
    const jpeg = s.image();
    const scan = jpeg.indexOf(Buffer.from([0xff, 0xda])) + 20;
    for (let i = 0; i < 12; i++) {
      const broken = Buffer.from(jpeg);
      const at = scan + ((i * 131) % (jpeg.length - scan - 4));
      broken[at] = broken[at]! ^ 0x5a;
      for (const route of s.routes) {
        const res = await postJson(url(route), { id: `corrupt-${i}`, image: toBase64(broken) });
        const text = await res.text();
        assert.ok(res.status === 200 || res.status === 422, `${route}, byte ${i}: ${res.status} ${text.slice(0, 200)}`);
      }
    }
  });

  test('pixel bomb (30000×30000 PNG) → 422 too_many_pixels before any pixel is decoded', async () => {
    const bomb = pngBomb();
    assert.ok(bomb.length < s.maxBodyBytes);
    for (const route of s.routes) await expectError(await postJson(url(route), { id: 'bomb', image: toBase64(bomb) }), 422, 'too_many_pixels', 'bomb');
  });

  test('body over the limit → 413 whether declared, chunked, gzip-inflated or multipart', async () => {
    const route = s.routes[0]!;
    const max = s.maxBodyBytes;
    await expectError(await postJson(url(route), { id: 'big', image: 'A'.repeat(max) }), 413, 'body_too_large');
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < 8; i++) c.enqueue(new Uint8Array(max / 4).fill(65));
        c.close();
      },
    });
    await expectError(await fetch(url(route), { method: 'POST', headers: { 'content-type': 'application/json' }, body: stream, duplex: 'half' } as RequestInit), 413, 'body_too_large');
    const gzipBomb = gzipSync(Buffer.from(JSON.stringify({ id: 'gz', image: 'A'.repeat(max * 8) })));
    assert.ok(gzipBomb.length < max / 10);
    await expectError(await fetch(url(route), { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: gzipBomb }), 413, 'body_too_large');
    const form = new FormData();
    form.set('image', new Blob([new Uint8Array(max + 10)]), 'big.jpg');
    await expectError(await fetch(url(route), { method: 'POST', body: form }), 413, 'body_too_large');
  });

  test('unsupported content encoding or charset → 415; broken multipart → 400', async () => {
    const body = JSON.stringify({ id: 'e', image: toBase64(s.image()) });
    for (const route of s.routes) {
      await expectError(await fetch(url(route), { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'x-unknown' }, body }), 415, 'unsupported_encoding');
      await expectError(await fetch(url(route), { method: 'POST', headers: { 'content-type': 'application/json; charset=latin-2' }, body }), 415, 'unsupported_encoding');
      const res = await fetch(url(route), { method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=zzz' }, body: '--zzz\r\nContent-Disposition: form-data; name="image"\r\n\r\nabc' });
      assert.equal(res.status, 400);
      await expectError(await fetch(url(route), { method: 'POST', headers: { 'content-type': 'multipart/form-data' }, body: 'x' }), 400, 'invalid_request');
    }
  });

  test('odd but valid images (grey, palette, 16-bit, alpha, CMYK, 1×1, WebP) → 200', async () => {
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
    for (const route of s.routes) {
      for (const [i, bytes] of images.entries()) {
        const res = await postJson(url(route), { id: `odd-${i}`, image: toBase64(bytes) });
        assert.equal(res.status, 200, `${route} image ${i}: ${await res.text()}`);
      }
    }
  });

  test('fuzz: 300 hostile requests (bodies of every kind, raw bad HTTP) give no 5xx, always a JSON answer, and the server stays up', async () => {
    const summary = await runFuzz({ url: s.app().url, routes: s.routes, cases: fuzzCases(20261123, 300, s.image(), { maxBytes: s.maxBodyBytes }), concurrency: 1 });
    assert.deepEqual(summary.problems, []);
    assert.ok(Object.keys(summary.statuses).length > 3, `fuzz should reach several outcomes, got ${Object.keys(summary.statuses).join(',')}`);
    assert.equal((await fetch(url('/healthz'))).status, 200);
    assert.equal(s.app().log.lines().filter((l) => l.level === 50).length, 0, 'an unhandled error was logged');
  });

  test('wrong method → 405 with Allow on every route', async () => {
    for (const route of s.routes) {
      const res = await fetch(url(route));
      assert.equal(res.headers.get('allow'), 'POST');
      await expectError(res, 405, 'method_not_allowed');
    }
  });
}
