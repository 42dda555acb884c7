/**
 * One regression test per way a body can be broken on the wire: truncated
 * multipart (the form that used to kill the process), truncated or cut
 * JSON, hostile JSON structure, broken compression, a client that vanishes
 * mid-body. Each must give a 400-class JSON answer when an answer can still
 * be delivered, release its admission ticket, and leave the service
 * serving.
 */
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { after, afterEach, before, test } from 'node:test';
import { expectError } from '../helpers/service-bad-input-suite.js';
import { rawPost, rawRequest, type RawReply } from '../../bench/lib/raw-request.js';
import { postJson, redSquareDetector, startApp, until, type Running } from '../helpers/service.js';
import { squareImage, toBase64 } from '../helpers/service-images.js';

const ROUTE = '/api/object_detection';
const MAX_BODY = 1024 * 1024;
let app: Running;
let image: Buffer;
/** In a real process any of these would have been fatal; the test runner would only report them. */
const uncaught: unknown[] = [];
process.on('uncaughtExceptionMonitor', (err) => uncaught.push(err));

before(async () => {
  app = await startApp(redSquareDetector(), { maxBodyBytes: MAX_BODY, queueLength: 8, concurrency: 1 });
  image = await squareImage({ width: 120, height: 90, square: { left: 10, top: 10, width: 30, height: 30 }, format: 'jpeg' });
});
after(() => app.close());

/** After every case: nothing is left admitted, nothing unhandled was logged, a valid request is served. */
afterEach(async () => {
  assert.deepEqual(uncaught.splice(0).map(String), [], 'an exception escaped (fatal in a real process)');
  await until('every admission ticket to be released', () => app.service.admission.admitted === 0);
  assert.equal(app.log.lines().filter((l) => (l.level as number) >= 50).length, 0, 'an unhandled error was logged');
  const res = await postJson(`${app.url}${ROUTE}`, { id: 'after', image: toBase64(image) });
  assert.equal(res.status, 200, await res.text());
});

function jsonError(reply: RawReply, status: number, code: string): void {
  assert.equal(reply.status, status, `expected ${status} ${code}: ${reply.body.slice(0, 200)}`);
  assert.match(reply.headers['content-type'] ?? '', /application\/json/);
  assert.equal((JSON.parse(reply.body) as { error: { code: string } }).error.code, code);
}

const TRUNCATED_FORM = '--B\r\nContent-Disposition: form-data; name="image"; filename="a.jpg"\r\n\r\nabc';

test('truncated multipart (the file part never ends) → 400 invalid_request', async () => {
  const reply = await rawRequest(app.url, rawPost(ROUTE, { 'Content-Type': 'multipart/form-data; boundary=B' }, TRUNCATED_FORM));
  jsonError(reply, 400, 'invalid_request');
  assert.match(reply.body, /Unexpected end of form/);
});

test('multipart cut inside the part headers, or with a field and a truncated file → 400', async () => {
  const forms = [
    '--B\r\nContent-Disposition: form-data; na',
    `--B\r\nContent-Disposition: form-data; name="id"\r\n\r\nx1\r\n--B\r\nContent-Disposition: form-data; name="image"; filename="a.jpg"\r\n\r\n${image.subarray(0, 100).toString('latin1')}`,
  ];
  for (const form of forms) jsonError(await rawRequest(app.url, rawPost(ROUTE, { 'Content-Type': 'multipart/form-data; boundary=B' }, form)), 400, 'invalid_request');
});

test('multipart with more parts than allowed → 400 naming the limit', async () => {
  const parts = Array.from({ length: 30 }, (_, i) => `--B\r\nContent-Disposition: form-data; name="f${i}"\r\n\r\nv\r\n`).join('');
  const reply = await rawRequest(app.url, rawPost(ROUTE, { 'Content-Type': 'multipart/form-data; boundary=B' }, `${parts}--B--\r\n`));
  jsonError(reply, 400, 'invalid_request');
  assert.match(reply.body, /more (parts|fields)/);
});

test('multipart and JSON bodies cut off by the client mid-body: no answer is possible, the service stays up', async () => {
  const full = JSON.stringify({ id: 'cut', image: toBase64(image) });
  const bodies: Array<[Record<string, string>, string]> = [
    [{ 'Content-Type': 'application/json' }, full.slice(0, 40)],
    [{ 'Content-Type': 'multipart/form-data; boundary=B' }, TRUNCATED_FORM],
    [{ 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' }, gzipSync(full).subarray(0, 30).toString('latin1')],
  ];
  for (const [headers, body] of bodies) {
    const reply = await rawRequest(app.url, rawPost(ROUTE, headers, body, body.length + 5000), { abort: true });
    assert.equal(reply.status, 0);
  }
});

test('a body shorter than its Content-Length, then a half-close → no 5xx', async () => {
  const reply = await rawRequest(app.url, rawPost(ROUTE, { 'Content-Type': 'application/json' }, '{"id":"short","im', 400), { end: true, timeoutMs: 2000 });
  assert.ok(reply.status === 0 || (reply.status >= 400 && reply.status < 500), `got ${reply.status}`);
});

test('truncated JSON (complete HTTP, incomplete JSON) → 400 malformed_json', async () => {
  const full = JSON.stringify({ id: 't', image: toBase64(image) });
  for (const cut of [1, 10, full.length / 2, full.length - 1]) {
    await expectError(await postJson(`${app.url}${ROUTE}`, full.slice(0, cut)), 400, 'malformed_json');
  }
});

test('deeply nested or huge-structure JSON → 400 json_too_complex, as plain or double-encoded body', async () => {
  const nested = `${'['.repeat(200_000)}${']'.repeat(200_000)}`;
  const wide = `[${'0,'.repeat(100_000)}0]`;
  const objects = `{"id":"w","image":"x","more":[${'{},'.repeat(50_000)}{}]}`;
  for (const body of [nested, wide, objects, JSON.stringify(nested), JSON.stringify(`{"id":"a","image":${wide}}`)]) {
    const err = await expectError(await postJson(`${app.url}${ROUTE}`, body), 400, 'json_too_complex');
    assert.match(err.error.message, /deeper than 16|more than 10000/);
  }
});

test('brackets inside strings do not count towards the structure limits', async () => {
  const res = await postJson(`${app.url}${ROUTE}`, { id: `${'['.repeat(5000)}"\\${','.repeat(20_000)}`, image: toBase64(image) });
  assert.equal(res.status, 400);
  assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'invalid_field', 'the id is only too long, not too complex');
});

test('corrupt gzip, deflate and brotli bodies → 400 invalid_request', async () => {
  const good = gzipSync(JSON.stringify({ id: 'z', image: toBase64(image) }));
  const corrupt = Buffer.concat([good.subarray(0, 20), Buffer.alloc(200, 0x41)]);
  const post = (body: Buffer, encoding: string) => fetch(`${app.url}${ROUTE}`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': encoding }, body });
  for (const encoding of ['gzip', 'deflate', 'br']) {
    const err = await expectError(await post(corrupt, encoding), 400, 'invalid_request');
    assert.match(err.error.message, new RegExp(encoding));
  }
  const res = await post(good, 'gzip');
  assert.equal(res.status, 200, 'a valid gzip body is still read');
});

test('a JSON body in a charset other than UTF-8 → 415 unsupported_encoding', async () => {
  for (const charset of ['utf-16', 'latin1', 'shift_jis']) {
    await expectError(await postJson(`${app.url}${ROUTE}`, '{}', { headers: { 'content-type': `application/json; charset=${charset}` } }), 415, 'unsupported_encoding');
  }
  const res = await postJson(`${app.url}${ROUTE}`, { id: 'u', image: toBase64(image) }, { headers: { 'content-type': 'application/json; charset="UTF-8"' } });
  assert.equal(res.status, 200);
});

test('an error answered early drops the rest of the body and keeps the connection usable', async () => {
  const nested = `${'['.repeat(300_000)}${']'.repeat(300_000)}`;
  const valid = JSON.stringify({ id: 'second', image: toBase64(image) });
  const { hostname, port } = new URL(app.url);
  const { connect } = await import('node:net');
  const replies = await new Promise<string>((resolve, reject) => {
    let data = '';
    const socket = connect(Number(port), hostname, () => {
      socket.write(rawPost(ROUTE, { 'Content-Type': 'application/json' }, nested));
      socket.write(rawPost(ROUTE, { 'Content-Type': 'application/json' }, valid));
    });
    socket.on('data', (d: Buffer) => {
      data += d.toString();
      if (/"id":"second","objects"/.test(data)) {
        socket.destroy();
        resolve(data);
      }
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(data));
  });
  assert.match(replies, /^HTTP\/1\.1 400 /);
  assert.match(replies, /"json_too_complex"/);
  assert.match(replies, /HTTP\/1\.1 200 /);
});
