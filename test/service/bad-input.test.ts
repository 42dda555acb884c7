import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { expectError, registerBadInputSuite } from '../helpers/service-bad-input-suite.js';
import { rawRequest } from '../../bench/lib/raw-request.js';
import { redSquareDetector, startApp, type Running } from '../helpers/service.js';
import { squareImage } from '../helpers/service-images.js';

const MAX_BODY = 256 * 1024;
let app: Running;
let image: Buffer;
before(async () => {
  app = await startApp(redSquareDetector(), { maxBodyBytes: MAX_BODY, maxImagePixels: 4_000_000, queueLength: 64, concurrency: 2 });
  image = await squareImage({ width: 200, height: 150, square: { left: 20, top: 20, width: 50, height: 40 }, format: 'jpeg' });
});
after(() => app.close());

registerBadInputSuite({
  routes: ['/api/object_detection', '/api/object_detection_image'],
  app: () => app,
  image: () => image,
  maxBodyBytes: MAX_BODY,
  isAnswer: (body) => Array.isArray(body.objects) || typeof body.image === 'string',
});

test('unknown route → 404; a known non-image route with the wrong method → 405', async () => {
  await expectError(await fetch(`${app.url}/healthz`, { method: 'POST' }), 405, 'method_not_allowed');
  await expectError(await fetch(`${app.url}/api/nothing`, { method: 'POST' }), 404, 'not_found');
  await expectError(await fetch(`${app.url}/`), 404, 'not_found');
});

test('malformed HTTP, oversized headers and an HTTP/1.1 request without Host get a JSON error with X-Served-By, not a bare reply', async () => {
  const garbage = await rawRequest(app.url, 'THIS IS NOT HTTP\r\n\r\n');
  assert.equal(garbage.status, 400);
  assert.equal(garbage.headers['x-served-by'], 'test-replica');
  assert.equal(JSON.parse(garbage.body).error.code, 'bad_http');
  const huge = await rawRequest(app.url, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`);
  assert.equal(huge.status, 431);
  assert.equal(JSON.parse(huge.body).error.code, 'headers_too_large');
  for (const request of ['POST * HTTP/1.1\r\n\r\n', 'GET /healthz HTTP/1.1\r\n\r\n']) {
    const noHost = await rawRequest(app.url, request);
    assert.equal(noHost.status, 400, request);
    assert.equal(noHost.headers['x-served-by'], 'test-replica');
    assert.equal(noHost.headers.connection, 'close');
    assert.match(JSON.parse(noHost.body).error.message, /without a Host header/);
  }
  assert.equal((await rawRequest(app.url, 'GET /healthz HTTP/1.0\r\n\r\n')).status, 200, 'HTTP/1.0 needs no Host');
});
