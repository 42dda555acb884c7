/**
 * The real entry point as a child process: configuration errors, serving a
 * model (the project's own tiny random one, and the shared YOLOX-Nano on
 * real photos when ../shared is there), and SIGTERM with requests in flight.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, test } from 'node:test';
import { noShared, postJson, repoRoot, sharedModel, sharedSamples } from '../helpers/service.js';
import { squareImage, toBase64 } from '../helpers/service-images.js';
import { writeGeneratedModel } from '../helpers/service-model.js';
import { launchService, stopServices, waitReady, type ServiceChild } from '../helpers/service-process.js';

let dir: string;
let generated: string;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'service-process-'));
  generated = await writeGeneratedModel(dir);
});
afterEach(stopServices);
after(() => rmSync(dir, { recursive: true, force: true }));

function logLines(child: ServiceChild): Array<Record<string, unknown>> {
  return child.stdout().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
}

test('invalid configuration stops the process with exit 2 and one line per problem', async () => {
  const child = await launchService({ PORT: '80', SCORE_THRESHOLD: 'high', MODEL_PATH: generated });
  assert.equal(await child.exited, 2);
  assert.match(child.stderr(), /PORT:/);
  assert.match(child.stderr(), /SCORE_THRESHOLD:/);
});

test('a missing model file is a configuration error naming MODEL_PATH', async () => {
  const child = await launchService({ MODEL_PATH: join(dir, 'nope.onnx') });
  assert.equal(await child.exited, 2);
  assert.match(child.stderr(), /MODEL_PATH: .*nope\.onnx does not exist/);
});

test('serves the generated model; SIGTERM lets in-flight requests finish, then exits 0', async () => {
  const child = await launchService({ MODEL_PATH: generated, POD_NAME: 'replica-a', CONCURRENCY: '1', WORKER_THREADS: '1' });
  await waitReady(child);
  const image = toBase64(await squareImage({ width: 2400, height: 1800, square: { left: 100, top: 100, width: 300, height: 200 }, format: 'jpeg' }));

  const first = await postJson(`${child.url}/api/object_detection`, { id: 'warm', image });
  assert.equal(first.status, 200);
  assert.equal(first.headers.get('x-served-by'), 'replica-a');
  assert.equal(((await first.json()) as { id: string }).id, 'warm');

  const ids = ['s0', 's1', 's2', 's3', 's4', 's5'];
  const requests = ids.map((id) => postJson(`${child.url}/api/object_detection`, { id, image }));
  await Promise.race(requests);
  child.proc.kill('SIGTERM');
  const responses = await Promise.all(requests);
  assert.deepEqual(responses.map((r) => r.status), ids.map(() => 200));
  assert.deepEqual(await Promise.all(responses.map(async (r) => ((await r.json()) as { id: string }).id)), ids);
  assert.equal(await child.exited, 0);

  const lines = logLines(child);
  const draining = lines.find((l) => l.msg === 'draining');
  assert.ok(draining && (draining.inFlight as number) > 0, `expected requests in flight at SIGTERM: ${JSON.stringify(draining)}`);
  assert.ok(lines.some((l) => l.msg === 'stopped'));
  for (const id of ids) assert.ok(lines.some((l) => l.id === id && l.status === 200 && l.replica === 'replica-a'), `no log line for ${id}`);
});

test('the shared YOLOX-Nano finds the dog, bicycle and car in dog.jpg', { skip: noShared }, async () => {
  const child = await launchService({ MODEL_PATH: sharedModel, POD_NAME: 'replica-yolox' });
  await waitReady(child);
  const res = await postJson(`${child.url}/api/object_detection`, { id: 'dog', image: toBase64(readFileSync(join(sharedSamples, 'dog.jpg'))) });
  assert.equal(res.status, 200);
  const body = (await res.json()) as { objects: Array<{ label: string; rectangle: { left: number; top: number; width: number; height: number } }> };
  const labels = body.objects.map((o) => o.label).sort();
  for (const want of ['bicycle', 'car', 'dog']) assert.ok(labels.includes(want), `missing ${want} in ${labels.join(',')}`);
  // dog.jpg is 768×576 with the dog in the lower left and the car at the top right.
  const dog = body.objects.find((o) => o.label === 'dog')!.rectangle;
  const car = body.objects.find((o) => o.label === 'car')!.rectangle;
  assert.ok(dog.left + dog.width / 2 < 384 && dog.top + dog.height / 2 > 288, `dog box ${JSON.stringify(dog)}`);
  assert.ok(car.left + car.width / 2 > 384 && car.top + car.height / 2 < 288, `car box ${JSON.stringify(car)}`);
  child.proc.kill('SIGTERM');
  assert.equal(await child.exited, 0);
});
