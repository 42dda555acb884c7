/**
 * The real entry point as a child process: configuration errors, serving a
 * model (the project's own tiny random one, and the shared YOLOX-Nano on
 * real photos when ../shared is there), and SIGTERM with requests in flight.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, test } from 'node:test';
import { noShared, postJson, repoRoot, sharedModel, sharedSamples } from '../helpers/service.js';
import { squareImage, toBase64 } from '../helpers/service-images.js';
import { writeGeneratedModel } from '../helpers/service-model.js';

interface Child {
  proc: ChildProcess;
  url: string;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

let dir: string;
let generated: string;
let children: Child[] = [];
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'service-process-'));
  generated = await writeGeneratedModel(dir);
});
afterEach(async () => {
  for (const c of children) if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL');
  await Promise.all(children.map((c) => c.exited));
  children = [];
});
after(() => rmSync(dir, { recursive: true, force: true }));

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as { port: number };
  await new Promise((r) => srv.close(r));
  return port;
}

async function launch(env: Record<string, string>): Promise<Child> {
  const port = env.PORT ?? String(await freePort());
  const proc = spawn(process.execPath, ['--import', 'tsx', 'service/main.ts'], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: port, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
  const child = { proc, url: `http://127.0.0.1:${port}`, stdout: () => out, stderr: () => err, exited };
  children.push(child);
  return child;
}

async function waitReady(child: Child): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (child.proc.exitCode !== null) assert.fail(`service exited with ${child.proc.exitCode}: ${child.stderr()}${child.stdout()}`);
    const status = await fetch(`${child.url}/readyz`).then((r) => r.status, () => 0);
    if (status === 200) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`service not ready after 30 s: ${child.stdout()}`);
}

function logLines(child: Child): Array<Record<string, unknown>> {
  return child.stdout().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
}

test('invalid configuration stops the process with exit 2 and one line per problem', async () => {
  const child = await launch({ PORT: '80', SCORE_THRESHOLD: 'high', MODEL_PATH: generated });
  assert.equal(await child.exited, 2);
  assert.match(child.stderr(), /PORT:/);
  assert.match(child.stderr(), /SCORE_THRESHOLD:/);
});

test('a missing model file is a configuration error naming MODEL_PATH', async () => {
  const child = await launch({ MODEL_PATH: join(dir, 'nope.onnx') });
  assert.equal(await child.exited, 2);
  assert.match(child.stderr(), /MODEL_PATH: .*nope\.onnx does not exist/);
});

test('serves the generated model; SIGTERM lets in-flight requests finish, then exits 0', async () => {
  const child = await launch({ MODEL_PATH: generated, POD_NAME: 'replica-a', CONCURRENCY: '1', WORKER_THREADS: '1' });
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
  const child = await launch({ MODEL_PATH: sharedModel, POD_NAME: 'replica-yolox' });
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
