import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { leftovers, repoRoot, testRun } from '../helpers/local-options.js';

const shared = path.resolve(repoRoot, '../shared');
const model = [path.join(repoRoot, 'model/default.onnx'), path.join(shared, 'model/yolox_nano.onnx')].find((p) => existsSync(p));
const image = path.join(shared, 'samples/dog.jpg');
const skip = !existsSync(path.join(repoRoot, 'service/main.ts'))
  ? 'service/main.ts does not exist yet'
  : !model ? 'no model: neither model/default.onnx nor ../shared/model/yolox_nano.onnx'
  : !existsSync(image) ? `no sample image at ${image}` : false;

test('the real service runs as a limited replica behind the balancer', { skip, timeout: 240_000 }, async () => {
  const run = testRun({ replicaCommand: undefined, modelPath: model!, memoryMi: 512, readyTimeoutMs: 180_000 });
  const backend = await run.start();
  try {
    await backend.deploy(run.spec(1));
    const { url } = await backend.endpoint('cluster');
    const res = await fetch(new URL('/api/object_detection', url), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'real-1', image: (await readFile(image)).toString('base64') }),
    });
    const body = (await res.json()) as { id: string; objects: { label: string }[] };
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-served-by'), `${run.tag}-replica-0`);
    assert.equal(body.id, 'real-1');
    assert.ok(body.objects.some((o) => o.label === 'dog'), JSON.stringify(body.objects));
    const [stats] = await backend.replicaStats();
    assert.equal(stats!.restarts, 0);
    assert.ok((await backend.logs())[0]!.lines.length > 0);
  } finally {
    await backend.down();
  }
  assert.deepEqual(await leftovers(run.tag), []);
});
