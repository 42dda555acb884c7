import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import { expectError, registerBadInputSuite } from '../helpers/service-bad-input-suite.js';
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
