/**
 * The local executor with the REAL load worker: one --serve worker process
 * answers every job of a location, an abort stops it and still returns the
 * partial result, and a one-job worker (the Kubernetes Job's mode) leaves
 * no process behind. The service is a tiny in-process HTTP server.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createExecutor, type ExecutorSpec } from '../../experiments/deploy/local/executor.js';
import { MARKER_ENV, markedProcesses } from '../../experiments/deploy/local/ownership.js';
import { WORKER_PATH } from '../../experiments/load/protocol/client.js';
import type { ClosedLoadJob } from '../../experiments/load/protocol/schema.js';
import { repoRoot } from '../helpers/local-options.js';
import { makeImages, tempDir } from './helpers.js';

let server: http.Server;
let url = '';
let tmp: Awaited<ReturnType<typeof tempDir>>;
let images = '';
const kills = new Set<() => void>();

before(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const { id } = JSON.parse(Buffer.concat(chunks).toString() || '{}') as { id?: string };
      setTimeout(() => res.writeHead(200, { 'content-type': 'application/json', 'x-served-by': 'only' }).end(JSON.stringify({ id, objects: [] })), 5);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  tmp = await tempDir('cd-exec-');
  images = join(tmp.dir, 'images');
  await mkdir(images);
  await makeImages(images, 2);
});
after(async () => {
  for (const kill of kills) kill();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await tmp.cleanup();
});

function spec(tag: string, overrides: Partial<ExecutorSpec> = {}): ExecutorSpec & { spawned: () => number } {
  let spawned = 0;
  return {
    command: [process.execPath, '--import', 'tsx', WORKER_PATH],
    prefix: [],
    cgroup: null,
    cwd: repoRoot,
    env: { [MARKER_ENV]: tag },
    url,
    abortGraceMs: 5000,
    log: () => undefined,
    track: (kill) => {
      spawned += 1;
      kills.add(kill);
      return () => kills.delete(kill);
    },
    spawned: () => spawned,
    ...overrides,
  };
}

const job = (levels: number[], holdS = 0.3): ClosedLoadJob => ({
  kind: 'closed', task: 'detection', url: 'http://replaced.invalid', imagesDir: images, levels, holdS, thinkS: [0, 0], timeoutMs: 2000, stopOnFailure: true, seed: 1,
});

/** The run's worker processes (tsx may start an esbuild helper with the same marker: not a worker). */
const workersOf = async (tag: string) => {
  const marked = (await markedProcesses()).filter((p) => p.tag === tag);
  const isWorker = async (pid: number) => (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).includes('worker.ts');
  const workers: number[] = [];
  for (const p of marked) if (await isWorker(p.pid)) workers.push(p.pid);
  return workers;
};

test('the real worker is started once and serves every job of the executor', { timeout: 60_000 }, async () => {
  const tag = `exec-reuse-${process.pid}`;
  const s = spec(tag);
  const executor = createExecutor(s);
  const first = await executor.run(job([2]));
  const pids = await workersOf(tag);
  assert.equal(pids.length, 1, 'one worker kept between jobs');
  const second = await executor.run(job([3, 4]));
  assert.deepEqual(await workersOf(tag), pids, 'the same process ran the second job');
  assert.equal(s.spawned(), 1);
  for (const r of [first, second]) {
    assert.equal(r.aborted, false);
    assert.ok(r.steps.every((st) => st.passed && st.requests > 0 && st.perReplica.only === st.requests));
  }
  assert.deepEqual(second.steps.map((st) => st.users), [3, 4], 'each job runs its own levels');
  for (const kill of kills) kill();
  await waitFor(async () => (await workersOf(tag)).length === 0);
});

test('an abort returns the partial result, ends the worker, and the next job gets a new one', { timeout: 60_000 }, async () => {
  const tag = `exec-abort-${process.pid}`;
  const s = spec(tag);
  const executor = createExecutor(s);
  await executor.run(job([1]));
  const stop = new AbortController();
  const running = executor.run(job([2], 30), stop.signal);
  setTimeout(() => stop.abort(), 1500);
  const partial = await running;
  assert.equal(partial.aborted, true);
  assert.equal(partial.steps.length, 1);
  assert.deepEqual(await workersOf(tag), [], 'the aborted worker is gone');
  const next = await executor.run(job([1]));
  assert.equal(next.aborted, false);
  assert.equal(s.spawned(), 2);
  for (const kill of kills) kill();
});

test('single-job mode (no reuse) runs one process per job and leaves none', { timeout: 60_000 }, async () => {
  const tag = `exec-single-${process.pid}`;
  const s = spec(tag, { reuse: false });
  const executor = createExecutor(s);
  const result = await executor.run(job([2]));
  assert.ok(result.steps[0]!.passed);
  assert.deepEqual(await workersOf(tag), []);
  await executor.run(job([1]));
  assert.equal(s.spawned(), 2);
});

async function waitFor(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 50; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail('condition not reached within 5 s');
}
