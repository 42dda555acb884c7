/**
 * The local backend when a deployment cannot become ready: it fails fast
 * with DeployFailed (the replicas' counters inside), removes the replicas so
 * nothing keeps restarting, and the next deploy works.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { DeployFailed, type Backend } from '../../experiments/deploy/backend.js';
import { probeCgroups } from '../../lib/cgroup/group.js';
import { leftovers, testRun } from '../helpers/local-options.js';

const probe = await probeCgroups();
const cleanups: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function backendFor(overrides: Parameters<typeof testRun>[0]) {
  const run = testRun(overrides);
  const backend: Backend = await run.start();
  cleanups.push(async () => {
    await backend.down();
    assert.deepEqual(await leftovers(run.tag), []);
  });
  return { run, backend };
}

async function failure(p: Promise<unknown>): Promise<DeployFailed> {
  const err = await p.then(() => null, (e: unknown) => e);
  assert.ok(err instanceof DeployFailed, `expected DeployFailed, got ${String(err)}`);
  return err;
}

test('a replica OOM-killed while starting fails its deploy at once, counted, and is removed', { skip: probe.ok ? false : `cgroups not usable here: ${probe.ok ? '' : probe.reason}` }, async () => {
  // readiness would allow 60 s; the first OOM kill before ready ends the wait
  const { run, backend } = await backendFor({ readyTimeoutMs: 60_000, memoryMi: 48, replicaEnv: { FAKE_START_ALLOCATE_MB: '200' } });
  const err = await failure(backend.deploy(run.spec(1)));
  assert.match(err.message, /SIGKILLed before it was ever ready/);
  assert.doesNotMatch(err.message, /not ready after/);
  assert.ok(err.replicaStats[0]!.oomKilled >= 1, JSON.stringify(err.replicaStats));
  assert.deepEqual(await backend.replicaStats(), [], 'the replica is gone, not restarting beside the next cell');
  // the study goes on: a shape that fits deploys on the same backend
  await backend.deploy({ ...run.spec(1), memoryMi: 256, cpu: 0.5 });
  const [stats] = await backend.replicaStats();
  assert.equal(stats!.ready, true);
});

test('a replica that keeps exiting before it was ever ready fails after startFailureLimit exits', async () => {
  const { run, backend } = await backendFor({ readyTimeoutMs: 60_000, startFailureLimit: 2, replicaEnv: { FAKE_START_EXIT: '3' } });
  const err = await failure(backend.deploy(run.spec(1)));
  assert.match(err.message, /exited 2 times before it was ever ready \(last exit code 3/);
  assert.deepEqual(await backend.replicaStats(), []);
});

test('a replica that never answers /readyz fails at the readiness timeout', async () => {
  const { run, backend } = await backendFor({ readyTimeoutMs: 1500, replicaEnv: { FAKE_READY_AFTER_MS: '600000' } });
  const err = await failure(backend.deploy(run.spec(1)));
  assert.match(err.message, /not ready after 1500 ms/);
  assert.equal(err.replicaStats.length, 1);
  assert.deepEqual(await backend.replicaStats(), []);
});
