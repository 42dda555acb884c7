import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { randomWeights } from '../../model/darknet/random-weights.js';
import { loadModelFamily } from '../../model/families/index.js';
import { fetchDarknet, installDefaultModel, type DarknetUrls, type InstallOptions } from '../../model/install.js';
import { OnnxGraphBuilder } from '../../model/onnx/graph.js';
import { yoloxRowCount } from '../../model/families/yolox.js';

const CFG = '[net]\nwidth=32\nheight=32\nchannels=3\n[convolutional]\nfilters=14\nsize=1\nstride=8\nactivation=linear\n[yolo]\nmask=0,1\nanchors=5,7,11,3\nclasses=2\nnum=2\n';
const NAMES = 'cat\ndog\n';

/** Random weights whose header claims training, as real weights do. */
function trainedWeights(seed: number): Buffer {
  const bytes = randomWeights(CFG, seed);
  bytes.writeBigUInt64LE(32_000n, 12);
  return bytes;
}
const WEIGHTS = trainedWeights(3);
const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

/** A YOLOX-shaped model without metadata, standing in for ../shared/model/yolox_nano.onnx. */
function fakeYolox(): Uint8Array {
  const rows = yoloxRowCount(64, 64);
  return new OnnxGraphBuilder()
    .input('images', [1, 3, 64, 64])
    .initializer('table', new Float32Array(rows * 85), [1, rows, 85])
    .node('Identity', ['table'], ['output'])
    .output('output', [1, rows, 85])
    .toBytes();
}

let root: string;
let server: Server;
let urls: DarknetUrls;
let base: string;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'model-install-'));
  server = createServer((req, res) => {
    const files: Record<string, Buffer | string> = { '/net.cfg': CFG, '/net.weights': WEIGHTS, '/coco.names': NAMES };
    const body = req.url ? files[req.url] : undefined;
    if (req.url === '/short.weights') {
      res.writeHead(200, { 'content-length': WEIGHTS.length });
      res.write(WEIGHTS.subarray(0, 100), () => res.destroy());
      return;
    }
    if (body === undefined) return void res.writeHead(404).end();
    res.writeHead(200).end(body);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  urls = { cfg: `${base}/net.cfg`, weights: `${base}/net.weights`, names: `${base}/coco.names` };
});

after(async () => {
  server.closeAllConnections();
  await new Promise((done) => server.close(done));
  await rm(root, { recursive: true, force: true });
});

async function fresh(name: string): Promise<string> {
  const dir = join(root, name);
  await mkdir(dir, { recursive: true });
  return dir;
}

test('fetch downloads, verifies and converts to a self-describing yolov3-tiny.onnx', async () => {
  const outDir = await fresh('fetch-ok');
  const expected = { weights: { sha256: sha(WEIGHTS), size: WEIGHTS.length }, cfg: { sha256: sha(CFG) } };
  const r = await fetchDarknet({ outDir, urls, expected, timeoutMs: 5000 });
  assert.equal(r.onnx, join(outDir, 'yolov3-tiny.onnx'));
  const family = await loadModelFamily(r.onnx);
  assert.equal(family.family, 'darknet-yolo');
  assert.deepEqual(family.labels, ['cat', 'dog']);
  assert.equal(family.input.width, 32);
});

test('fetch failures leave no model behind: 404, truncated download, wrong checksum', async () => {
  const cases: [string, Partial<DarknetUrls>, object, RegExp][] = [
    ['fetch-404', { names: `${base}/missing.names` }, {}, /missing\.names: HTTP 404/],
    ['fetch-short', { weights: `${base}/short.weights` }, {}, /short\.weights: connection lost after \d+ of \d+ bytes/],
    ['fetch-sum', {}, { weights: { sha256: '1'.repeat(64) } }, /net\.weights: sha256 [0-9a-f]{64}, expected 1{64}/],
  ];
  for (const [name, override, expected, message] of cases) {
    const outDir = await fresh(name);
    await assert.rejects(fetchDarknet({ outDir, urls: { ...urls, ...override }, expected, timeoutMs: 5000 }), message);
    const left = await readdir(outDir);
    assert.ok(!left.includes('yolov3-tiny.onnx'), `${name}: no model`);
    assert.deepEqual(left.filter((f) => f.endsWith('.part') || f.endsWith('.tmp')), [], `${name}: no temp files`);
  }
});

test('fetch --from-dir copies and converts local files', async () => {
  const src = await fresh('from-src');
  await writeFile(join(src, 'yolov3-tiny.cfg'), CFG);
  await writeFile(join(src, 'yolov3-tiny.weights'), WEIGHTS);
  await writeFile(join(src, 'coco.names'), NAMES);
  const outDir = await fresh('from-out');
  const r = await fetchDarknet({ outDir, fromDir: src, urls, timeoutMs: 5000 });
  assert.equal((await loadModelFamily(r.onnx)).family, 'darknet-yolo');
});

function installOpts(modelDir: string, sharedDir: string | null, over: Partial<InstallOptions> = {}): InstallOptions {
  return { modelDir, sharedDir, urls, offline: false, timeoutMs: 5000, ...over };
}

async function sharedWith(name: string, files: Record<string, Uint8Array | string>): Promise<string> {
  const dir = await fresh(name);
  for (const [file, body] of Object.entries(files)) await writeFile(join(dir, file), body);
  return dir;
}

test('install prefers yolov3-tiny when cfg and weights are at hand, and is idempotent', async () => {
  const modelDir = await fresh('inst-dark/model');
  const shared = await sharedWith('inst-dark/shared', { 'yolov3-tiny.cfg': CFG, 'coco.names': NAMES, 'yolox_nano.onnx': fakeYolox(), 'yolov8n_int8.onnx': 'v8' });
  await writeFile(join(modelDir, 'yolov3-tiny.weights'), WEIGHTS);
  await writeFile(join(modelDir, 'default.onnx.json'), '{"family":"yolox"}');
  const r = await installDefaultModel(installOpts(modelDir, shared, { offline: true }));
  assert.equal(r.model, 'yolov3-tiny');
  assert.match(r.message, /default is yolov3-tiny, converted from .*yolov3-tiny\.cfg \+ .*yolov3-tiny\.weights/);
  assert.deepEqual(r.extras, ['yolov8n_int8.onnx']);
  assert.equal(existsSync(join(modelDir, 'default.onnx.json')), false, 'a stale sidecar is removed');
  const family = await loadModelFamily(join(modelDir, 'default.onnx'));
  assert.deepEqual([family.family, family.labels], ['darknet-yolo', ['cat', 'dog']]);

  const before = (await stat(join(modelDir, 'yolov3-tiny.onnx'))).mtimeMs;
  const again = await installDefaultModel(installOpts(modelDir, shared, { offline: true }));
  assert.equal(again.model, 'yolov3-tiny');
  assert.equal((await stat(join(modelDir, 'yolov3-tiny.onnx'))).mtimeMs, before, 'not converted again');
});

test('install downloads missing weights when it can', async () => {
  const modelDir = await fresh('inst-dl/model');
  const shared = await sharedWith('inst-dl/shared', { 'yolov3-tiny.cfg': CFG, 'coco.names': NAMES });
  const r = await installDefaultModel(installOpts(modelDir, shared));
  assert.equal(r.model, 'yolov3-tiny');
  assert.ok((await readFile(join(modelDir, 'yolov3-tiny.weights'))).equals(WEIGHTS));
});

test('install falls back to YOLOX-Nano with a sidecar and says why', async () => {
  const shared = await sharedWith('inst-yolox/shared', { 'yolov3-tiny.cfg': CFG, 'yolox_nano.onnx': fakeYolox(), 'movenet_singlepose_lightning_int8.onnx': 'pose' });
  const reasons: [Partial<InstallOptions>, RegExp, (dir: string) => Promise<void>][] = [
    [{ offline: true }, /because yolov3-tiny\.weights is not in .* \(offline, no download tried\)/, async () => undefined],
    [{ urls: { ...urls, weights: `${base}/gone.weights` } }, /the download failed \(.*gone\.weights: HTTP 404[^)]*\)/, async () => undefined],
    [{ offline: true }, /yolov3-tiny\.weights is untrained/, (dir) => writeFile(join(dir, 'yolov3-tiny.weights'), randomWeights(CFG, 1))],
  ];
  for (const [i, [over, why, prepare]] of reasons.entries()) {
    const modelDir = await fresh(`inst-yolox/model-${i}`);
    await prepare(modelDir);
    const r = await installDefaultModel(installOpts(modelDir, shared, over));
    assert.equal(r.model, 'yolox-nano');
    assert.match(r.message, /default is YOLOX-Nano from .*yolox_nano\.onnx, because/);
    assert.match(r.message, why);
    assert.deepEqual(r.extras, ['movenet_singlepose_lightning_int8.onnx']);
    assert.deepEqual(JSON.parse(await readFile(join(modelDir, 'default.onnx.json'), 'utf8')), { family: 'yolox' });
    assert.equal((await loadModelFamily(join(modelDir, 'default.onnx'))).family, 'yolox');
  }
});

test('install with nothing to install names what is missing', async () => {
  const modelDir = await fresh('inst-none/model');
  await assert.rejects(installDefaultModel(installOpts(modelDir, null, { offline: true })), /no default model: yolov3-tiny\.cfg and yolov3-tiny\.weights are not in .*, and no yolox_nano\.onnx/);
});
