import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { copyVerified, DownloadError, downloadVerified } from '../../model/fetch.js';

const body = randomBytes(64 * 1024);
const sha256 = createHash('sha256').update(body).digest('hex');
let server: Server;
let base: string;
let dir: string;
const hanging = new Set<import('node:http').ServerResponse>();

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fetch-'));
  server = createServer((req, res) => {
    switch (req.url) {
      case '/file':
        res.writeHead(200, { 'content-length': body.length }).end(body);
        return;
      case '/moved':
        res.writeHead(302, { location: '/file' }).end();
        return;
      case '/truncated':
        res.writeHead(200, { 'content-length': body.length });
        res.write(body.subarray(0, 1000), () => res.destroy());
        return;
      case '/stall':
        res.writeHead(200, { 'content-length': body.length });
        res.write(body.subarray(0, 10));
        hanging.add(res);
        return;
      default:
        res.writeHead(404).end('not here');
    }
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  for (const res of hanging) res.destroy();
  server.closeAllConnections();
  await new Promise((done) => server.close(done));
  await rm(dir, { recursive: true, force: true });
});

/** Fails the download and checks nothing was left behind, and an existing file was not touched. */
async function expectFailure(url: string, kind: DownloadError['kind'], pattern: RegExp, extra: Partial<Parameters<typeof downloadVerified>[2]> = {}): Promise<void> {
  const dest = join(dir, `${kind}.bin`);
  await writeFile(dest, 'previous version');
  await assert.rejects(downloadVerified(url, dest, { timeoutMs: 5000, ...extra }), (err: unknown) => {
    assert.ok(err instanceof DownloadError, String(err));
    assert.equal(err.kind, kind);
    assert.match(err.message, pattern);
    assert.ok(!err.message.includes('\n'));
    return true;
  });
  assert.equal(await readFile(dest, 'utf8'), 'previous version');
  assert.deepEqual((await readdir(dir)).filter((f) => f.endsWith('.part')), []);
}

test('a good download with matching size and checksum lands at the destination', async () => {
  const dest = join(dir, 'sub/ok.bin');
  const result = await downloadVerified(`${base}/file`, dest, { sha256, size: body.length, timeoutMs: 5000 });
  assert.deepEqual(result, { bytes: body.length, sha256 });
  assert.ok((await readFile(dest)).equals(body));
});

test('redirects are followed', async () => {
  const dest = join(dir, 'moved.bin');
  await downloadVerified(`${base}/moved`, dest, { sha256, timeoutMs: 5000 });
  assert.ok((await readFile(dest)).equals(body));
});

test('404 is an http error naming the URL', async () => {
  await expectFailure(`${base}/nope`, 'http', /\/nope: HTTP 404/);
});

test('a connection that drops mid-body is a truncated download', async () => {
  await expectFailure(`${base}/truncated`, 'truncated', new RegExp(`connection lost after \\d+ of ${body.length} bytes`));
});

test('a wrong checksum or size is refused', async () => {
  await expectFailure(`${base}/file`, 'checksum', /sha256 [0-9a-f]{64}, expected 00+/, { sha256: '0'.repeat(64) });
  await expectFailure(`${base}/file`, 'size', new RegExp(`${body.length} bytes, expected 12`), { size: 12 });
});

test('a server that stops sending times out instead of hanging', async () => {
  await expectFailure(`${base}/stall`, 'timeout', /no data for 200 ms/, { timeoutMs: 200 });
});

test('a refused connection is a network error', async () => {
  const closed = createServer();
  await new Promise<void>((done) => closed.listen(0, '127.0.0.1', done));
  const port = (closed.address() as AddressInfo).port;
  await new Promise((done) => closed.close(done));
  await expectFailure(`http://127.0.0.1:${port}/file`, 'network', /ECONNREFUSED/);
});

test('a cancelled signal aborts the download', async () => {
  await expectFailure(`${base}/stall`, 'aborted', /cancelled/, { signal: AbortSignal.abort() });
});

test('copyVerified applies the same checks to a local file', async () => {
  const src = join(dir, 'local.bin');
  await writeFile(src, body);
  await copyVerified(src, join(dir, 'copy.bin'), { sha256 });
  assert.ok((await readFile(join(dir, 'copy.bin'))).equals(body));
  await assert.rejects(copyVerified(src, join(dir, 'bad-copy.bin'), { size: 1 }), /expected 1/);
  assert.equal(existsSync(join(dir, 'bad-copy.bin')), false);
  await assert.rejects(copyVerified(join(dir, 'absent'), join(dir, 'x.bin')), /ENOENT/);
});
