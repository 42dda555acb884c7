import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Backend } from '../../experiments/deploy/backend.js';
import { leftovers, servedBy, testRun } from '../helpers/local-options.js';

const run = testRun({ replicaEnv: { FAKE_TERM: 'immediate' } });
let backend: Backend;

before(async () => {
  backend = await run.start();
  await backend.deploy(run.spec(2));
});
after(async () => {
  await backend?.down();
});

/** The start lines of each replica's log: unchanged means the replica was not restarted. */
async function replicaStarts(): Promise<Map<string, string>> {
  const starts = new Map<string, string>();
  for (const { replica, lines } of await backend.logs()) starts.set(replica, lines.filter((l) => l.startsWith('---')).join('|'));
  return starts;
}

test('round-robin sends the same number of requests to each replica', async () => {
  const { url } = await backend.endpoint('cluster');
  const counts = await servedBy(url, 20);
  assert.deepEqual(Object.values(counts), [10, 10]);
  assert.deepEqual(Object.keys(counts).sort(), [`${run.tag}-replica-0`, `${run.tag}-replica-1`]);
});

test('scaling up and down keeps the replicas that stay running', async () => {
  const before = (await backend.replicaStats()).map((r) => r.name);
  const startsBefore = await replicaStarts();
  await backend.deploy(run.spec(3));
  const stats = await backend.replicaStats();
  assert.equal(stats.length, 3);
  assert.ok(stats.every((s) => s.ready));
  const startsAfter = await replicaStarts();
  for (const name of before) assert.equal(startsAfter.get(name), startsBefore.get(name), `${name} was restarted by the scale-up`);
  const { url } = await backend.endpoint('cluster');
  assert.equal(Object.keys(await servedBy(url, 9)).length, 3);

  await backend.deploy(run.spec(1));
  assert.deepEqual((await backend.replicaStats()).map((r) => r.name), [`${run.tag}-replica-0`]);
  assert.deepEqual(Object.keys(await servedBy(url, 4)), [`${run.tag}-replica-0`]);
  assert.equal((await replicaStarts()).get(`${run.tag}-replica-0`), startsBefore.get(`${run.tag}-replica-0`));
  await backend.deploy(run.spec(2));
});

test('scaling down lets requests already on a removed replica finish', async () => {
  const { url } = await backend.endpoint('cluster');
  // round-robin puts one on each replica; replica-1 is then scaled away while its request runs
  const slow = [0, 1].map(() => fetch(new URL('/_test/slow?ms=1500', url)).then(async (r) => ({ status: r.status, by: r.headers.get('x-served-by'), body: await r.text() })));
  await sleep(300);
  await backend.deploy(run.spec(1));
  const answers = await Promise.all(slow);
  assert.deepEqual(answers.map((a) => a.status), [200, 200]);
  assert.deepEqual(answers.map((a) => a.by).sort(), [`${run.tag}-replica-0`, `${run.tag}-replica-1`]);
  await backend.deploy(run.spec(2));
});

test('the cluster executor runs the worker against the balancer and returns its result', async () => {
  const executor = await backend.executor('cluster');
  const result = await executor.run({
    kind: 'closed', task: 'detection', url: 'http://ignored.invalid', imagesDir: '/nonexistent', levels: [4, 6], holdS: 0,
    thinkS: [0, 0], timeoutMs: 5000, stopOnFailure: true, seed: 1,
  });
  assert.equal(result.aborted, false);
  assert.deepEqual(result.steps.map((s) => s.successes), [4, 6]);
  assert.deepEqual(Object.values(result.steps[1]!.perReplica), [3, 3]);
  assert.ok(run.events.some((e) => e.event === 'load-progress'));
});

test('an abort stops the worker and still returns its partial result', async () => {
  const executor = await backend.executor('cluster');
  const controller = new AbortController();
  const pending = executor.run({
    kind: 'closed', task: 'detection', url: '', imagesDir: '/nonexistent', levels: [1, 1, 1, 1, 1, 1], holdS: 1,
    thinkS: [0, 0], timeoutMs: 5000, stopOnFailure: true, seed: 1,
  }, controller.signal);
  const progressBefore = run.events.filter((e) => e.event === 'load-progress').length;
  for (let i = 0; i < 300 && run.events.filter((e) => e.event === 'load-progress').length < progressBefore + 2; i++) await sleep(50);
  controller.abort();
  const result = await pending;
  assert.equal(result.aborted, true);
  assert.ok(result.steps.length < 6);
});

test('deployment.json describes what is deployed', async () => {
  const manifest = JSON.parse(await readFile(path.join(run.context.stateDir, 'deployment.json'), 'utf8'));
  assert.equal(manifest.replicas.count, 2);
  assert.equal(manifest.balancer.policy, 'round-robin');
  assert.deepEqual(manifest.replicas.resources, { cpu: 0.5, memoryMi: 256 });
  assert.equal(manifest.locations[0].location, 'cluster');
});

test('down() leaves no process, cgroup or namespace behind and can be called twice', async () => {
  await backend.down();
  await backend.down();
  assert.deepEqual(await leftovers(run.tag), []);
});
