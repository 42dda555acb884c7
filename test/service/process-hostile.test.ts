/**
 * The real entry point (service/main.ts) against clients that used to end
 * it: the truncated multipart one-liner, raw bad HTTP, and more
 * connections than the process has file descriptors. After each the
 * process is still running and serves a valid request.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, test } from 'node:test';
import { rawPost, rawRequest } from '../../bench/lib/raw-request.js';
import { postJson } from '../helpers/service.js';
import { squareImage, toBase64 } from '../helpers/service-images.js';
import { writeGeneratedModel } from '../helpers/service-model.js';
import { launchService, stopServices, waitReady, type ServiceChild } from '../helpers/service-process.js';

let dir: string;
let model: string;
let image: string;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'service-hostile-'));
  model = await writeGeneratedModel(dir);
  image = toBase64(await squareImage({ width: 160, height: 120, square: { left: 10, top: 10, width: 40, height: 30 }, format: 'jpeg' }));
});
afterEach(stopServices);
after(() => rmSync(dir, { recursive: true, force: true }));

async function stillServes(child: ServiceChild): Promise<void> {
  assert.equal(child.proc.exitCode, null, `the service exited: ${child.output().slice(-2000)}`);
  const res = await postJson(`${child.url}/api/object_detection`, { id: 'after', image });
  assert.equal(res.status, 200, await res.text());
}

test('the issue\'s truncated multipart one-liner gets a 400 and the process keeps serving', async () => {
  const child = await launchService({ MODEL_PATH: model, LOG_LEVEL: 'warn' });
  await waitReady(child);
  const form = '--B\r\nContent-Disposition: form-data; name="image"; filename="a.jpg"\r\n\r\nabc';
  for (let i = 0; i < 3; i++) {
    const reply = await rawRequest(child.url, rawPost('/api/object_detection', { 'Content-Type': 'multipart/form-data; boundary=B' }, form));
    assert.equal(reply.status, 400, reply.body);
    assert.equal((JSON.parse(reply.body) as { error: { code: string } }).error.code, 'invalid_request');
  }
  for (const garbage of ['\x00\x01\x02\r\n\r\n', 'GET / HTTP/9.9\r\n\r\n', 'POST /api/object_detection HTTP/1.1\r\nContent-Length: -1\r\n\r\n']) {
    const reply = await rawRequest(child.url, garbage);
    assert.equal(reply.status, 400, JSON.stringify(reply));
    assert.equal(reply.headers.connection, 'close');
  }
  await stillServes(child);
});

test('more connections than file descriptors: the excess is dropped, the process keeps serving', async () => {
  const child = await launchService({ MODEL_PATH: model, LOG_LEVEL: 'warn' });
  await waitReady(child);
  execFileSync('prlimit', ['--nofile=64:64', '--pid', String(child.proc.pid)]);
  const { port } = new URL(child.url);
  const sockets: Socket[] = [];
  try {
    await Promise.all(Array.from({ length: 120 }, () => new Promise<void>((resolve) => {
      const s = connect(Number(port), '127.0.0.1', () => resolve());
      s.on('error', () => resolve());
      s.on('close', () => resolve());
      sockets.push(s);
    })));
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(child.proc.exitCode, null, `the service exited: ${child.output().slice(-2000)}`);
  } finally {
    for (const s of sockets) s.destroy();
  }
  await new Promise((r) => setTimeout(r, 300));
  await stillServes(child);
});
