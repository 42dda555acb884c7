import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, afterEach, before, describe, test } from 'node:test';
import { runLoadJob } from '../../experiments/load/run-job.js';
import { runWorkerOnce } from '../../experiments/load/protocol/client.js';
import type { ClosedLoadJob } from '../../experiments/load/protocol/schema.js';
import { startFakeService, type FakeService } from '../../experiments/deploy/fake-backend.js';
import { makeImages, tempDir } from './helpers.js';

type Mode = 'ok' | 'wrong-id' | 'status500' | 'bad-body' | 'slow';

/** A scripted service: answers every request the same way, and remembers what it was sent. */
async function scripted(mode: Mode): Promise<{ url: string; ids: string[]; images: Set<string>; close: () => Promise<void> }> {
  const ids: string[] = [];
  const images = new Set<string>();
  const server = http.createServer((req, res) => {
    if (req.method !== 'POST') return void res.writeHead(404).end();
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id: string; image: string };
      ids.push(body.id);
      images.add(body.image);
      const answer = (id: string) => JSON.stringify({ id, objects: [] });
      if (mode === 'status500') return void res.writeHead(500).end('{}');
      if (mode === 'bad-body') return void res.writeHead(200).end('{"id": 1}');
      if (mode === 'wrong-id') return void res.writeHead(200, { 'x-served-by': 'pod-a' }).end(answer('someone-else'));
      if (mode === 'slow') return void setTimeout(() => res.writeHead(200).end(answer(body.id)), 600);
      res.writeHead(200, { 'x-served-by': `pod-${ids.length % 2}` }).end(answer(body.id));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    ids,
    images,
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}

let images: Awaited<ReturnType<typeof tempDir>>;
const closers: Array<() => Promise<void>> = [];
before(async () => {
  images = await tempDir();
  await makeImages(images.dir, 4);
});
after(async () => images.cleanup());
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
});

const job = (url: string, over: Partial<ClosedLoadJob> = {}): ClosedLoadJob => ({
  kind: 'closed',
  task: 'detection',
  url,
  imagesDir: images.dir,
  levels: [2],
  holdS: 1,
  thinkS: [0, 0],
  timeoutMs: 2000,
  stopOnFailure: false,
  seed: 1,
  ...over,
});

describe('runLoadJob', () => {
  test('every request carries a fresh id and a random image of the set; answers are counted per replica', async () => {
    const s = await scripted('ok');
    closers.push(s.close);
    const result = await runLoadJob(job(s.url));
    const step = result.steps[0]!;
    assert.equal(result.aborted, false);
    assert.equal(step.passed, true);
    assert.equal(step.successes, step.requests);
    assert.equal(new Set(s.ids).size, s.ids.length, 'ids are unique');
    assert.ok(s.ids.length >= step.requests);
    assert.ok(s.images.size > 1, 'more than one image of the 4 was sent');
    assert.equal((step.perReplica['pod-0'] ?? 0) + (step.perReplica['pod-1'] ?? 0), step.requests);
    assert.ok(result.loadGenCpu > 0);
  });

  for (const [mode, kind] of [['wrong-id', 'id-mismatch'], ['status500', 'status'], ['bad-body', 'body'], ['slow', 'timeout']] as const) {
    test(`a ${mode} answer fails as '${kind}'`, async () => {
      const s = await scripted(mode);
      closers.push(s.close);
      const result = await runLoadJob(job(s.url, { timeoutMs: 200 }));
      const step = result.steps[0]!;
      assert.ok(step.requests > 0);
      assert.equal(step.errors[kind], step.requests);
      assert.equal(step.passed, false);
    });
  }

  test('a closed port fails as connection errors', async () => {
    const s = await scripted('ok');
    await s.close();
    const result = await runLoadJob(job(s.url, { holdS: 0.3 }));
    const step = result.steps[0]!;
    assert.ok(step.errors.connection > 0);
    assert.equal(step.errors.connection, step.requests);
  });

  test('a user thinks between requests: no more than one request per think time per user', async () => {
    const s = await scripted('ok');
    closers.push(s.close);
    const result = await runLoadJob(job(s.url, { levels: [3], holdS: 1.5, thinkS: [0.3, 0.5] }));
    const step = result.steps[0]!;
    assert.ok(step.requests > 0);
    assert.ok(step.requests <= 3 * Math.ceil(step.durationS / 0.3 + 1), `${step.requests} requests in ${step.durationS} s`);
  });

  test('stopOnFailure ends a ramp at the first failing level of a bounded service', async () => {
    const svc: FakeService = await startFakeService({ serviceMs: 20, queue: 1 });
    closers.push(svc.close);
    svc.setReplicas(1);
    const result = await runLoadJob(job(svc.url, { levels: [1, 2, 3, 4, 5, 6], holdS: 0.5, stopOnFailure: true }));
    const last = result.steps.at(-1)!;
    assert.equal(last.passed, false);
    assert.ok(last.users <= 6 && last.users > 2, `failed at ${last.users}`);
    assert.ok(result.steps.slice(0, -1).every((s) => s.passed));
    assert.equal(last.errors.status, last.requests - last.successes);
  });

  test('an aborted job stops at once and returns what it measured, marked aborted', async () => {
    const s = await scripted('ok');
    closers.push(s.close);
    const stop = new AbortController();
    const running = runLoadJob(job(s.url, { levels: [2, 2, 2], holdS: 30 }), {
      signal: stop.signal,
      onProgress: () => stop.abort(),
    });
    const result = await running;
    assert.equal(result.aborted, true);
    assert.equal(result.steps.length, 1);
    assert.ok(result.steps[0]!.requests > 0);
  });

  test('a bad job is rejected field by field before any load', async () => {
    await assert.rejects(runLoadJob({ ...job('http://127.0.0.1:1'), levels: [], thinkS: [3, 1] }), /levels.*thinkS|thinkS.*levels/s);
  });
});

describe('the worker process', () => {
  test('reads a job on stdin, reports progress on stderr, prints the result on stdout', async () => {
    const s = await scripted('ok');
    closers.push(s.close);
    const progress: number[] = [];
    const result = await runWorkerOnce(job(s.url, { levels: [1, 2], holdS: 1.2 }), { onProgress: (p) => progress.push(p.users) });
    assert.deepEqual(result.steps.map((st) => st.users), [1, 2]);
    assert.equal(result.aborted, false);
    assert.ok(progress.length > 0 && progress.every((u) => u === 1 || u === 2));
  });

  test('SIGTERM stops the load and still prints the partial result', async () => {
    const s = await scripted('ok');
    closers.push(s.close);
    const stop = new AbortController();
    const result = await runWorkerOnce(job(s.url, { levels: [2], holdS: 60 }), { signal: stop.signal, onProgress: () => stop.abort() });
    assert.equal(result.aborted, true);
    assert.ok(result.steps[0]!.requests > 0);
  });

  test('a bad job exits non-zero with the reason', async () => {
    await assert.rejects(runWorkerOnce({ ...job('http://127.0.0.1:1'), imagesDir: '/nonexistent-dir' }), /exit code 2.*\n.*image folder \/nonexistent-dir: does not exist/);
  });
});
