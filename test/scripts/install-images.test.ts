import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { installImages, isDecodable, parseIds } from '../../scripts/install-images.js';

let root: string;
let server: Server;
let base: string;
const requested: string[] = [];
let jpeg: Buffer;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'install-images-'));
  jpeg = await sharp({ create: { width: 64, height: 48, channels: 3, background: 'teal' } }).jpeg().toBuffer();
  server = createServer((req, res) => {
    requested.push(req.url ?? '');
    if (req.url === '/val/000000000404.jpg') return void res.writeHead(404).end();
    if (req.url === '/val/000000000500.jpg') return void res.writeHead(200).end('<html>error page</html>');
    res.writeHead(200, { 'content-type': 'image/jpeg' }).end(jpeg);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/val`;
});

after(async () => {
  server.closeAllConnections();
  await new Promise((done) => server.close(done));
  await rm(root, { recursive: true, force: true });
});

test('parseIds pads ids, skips comments and names a bad line', () => {
  assert.deepEqual(parseIds('000000007454\n\n# note\n12807\n'), ['000000007454', '000000012807']);
  assert.throws(() => parseIds('1\nabc.jpg\n', 'ids.txt'), /ids\.txt:2: "abc\.jpg" is not a COCO image id/);
});

test('keeps good images, copies from the shared folder, downloads the rest, and names what failed', async () => {
  const dir = join(root, 'inputfolder');
  const shared = join(root, 'shared');
  await mkdir(dir, { recursive: true });
  await mkdir(shared, { recursive: true });
  await writeFile(join(dir, '000000000001.jpg'), jpeg);
  await writeFile(join(dir, '000000000002.jpg'), jpeg.subarray(0, jpeg.length / 2));
  await writeFile(join(shared, '000000000003.jpg'), jpeg);
  await writeFile(join(shared, '000000000004.jpg'), 'not a jpeg');
  const ids = ['1', '2', '3', '4', '5', '404', '500'].map((id) => id.padStart(12, '0'));
  const progress: number[] = [];
  requested.length = 0;

  const report = await installImages({ ids, dir, sharedDir: shared, baseUrl: `${base}/`, concurrency: 3, timeoutMs: 5000, onProgress: (n) => progress.push(n) });

  assert.deepEqual(report.counts, { present: 1, copied: 1, downloaded: 3 });
  assert.deepEqual([...report.failed.keys()].sort(), ['000000000404.jpg', '000000000500.jpg']);
  assert.match(report.failed.get('000000000404.jpg')!, /HTTP 404/);
  assert.match(report.failed.get('000000000500.jpg')!, /not a readable image/);
  assert.deepEqual(requested.sort(), ['/val/000000000002.jpg', '/val/000000000004.jpg', '/val/000000000005.jpg', '/val/000000000404.jpg', '/val/000000000500.jpg']);
  assert.deepEqual(progress.sort((a, b) => a - b), [1, 2, 3, 4, 5, 6, 7]);
  for (const id of ['1', '2', '3', '4', '5']) assert.ok(await isDecodable(join(dir, `00000000000${id}.jpg`)));
  const left = (await readdir(dir)).sort();
  assert.deepEqual(left, ['000000000001.jpg', '000000000002.jpg', '000000000003.jpg', '000000000004.jpg', '000000000005.jpg'], 'nothing half-written is left behind');
  assert.ok((await readFile(join(dir, '000000000002.jpg'))).equals(jpeg), 'the truncated image was replaced');

  requested.length = 0;
  const again = await installImages({ ids: ids.slice(0, 5), dir, sharedDir: shared, baseUrl: base, timeoutMs: 5000 });
  assert.deepEqual(again.counts, { present: 5, copied: 0, downloaded: 0 });
  assert.deepEqual(requested, [], 'a second run downloads nothing');
});

test('an unreachable host fails every missing image without hanging', async () => {
  const dir = join(root, 'offline');
  const closed = createServer();
  await new Promise<void>((done) => closed.listen(0, '127.0.0.1', done));
  const port = (closed.address() as AddressInfo).port;
  await new Promise((done) => closed.close(done));
  const report = await installImages({ ids: ['000000000009'], dir, sharedDir: null, baseUrl: `http://127.0.0.1:${port}`, timeoutMs: 2000 });
  assert.match(report.failed.get('000000000009.jpg') ?? '', /ECONNREFUSED/);
});
