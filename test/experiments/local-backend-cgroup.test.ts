import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Cgroup, findGroupDirs, probeCgroups } from '../../lib/cgroup/group.js';
import { inCgroupCommand } from '../../lib/cgroup/join.js';
import { markedProcesses } from '../../experiments/deploy/local/ownership.js';
import type { Backend } from '../../experiments/deploy/backend.js';
import { isRoot, leftovers, repoRoot, testRun } from '../helpers/local-options.js';

const execFileAsync = promisify(execFile);

const probe = await probeCgroups();
const skip = probe.ok ? false : `cgroups not usable here: ${probe.reason}`;
const cleanups: (() => Promise<unknown>)[] = [];
const tags: string[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function started(overrides: Parameters<typeof testRun>[0], replicas: number) {
  const run = testRun(overrides);
  tags.push(run.tag);
  const backend: Backend = await run.start();
  cleanups.push(() => backend.down());
  await backend.deploy(run.spec(replicas));
  return { run, backend };
}

async function waitFor<T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > deadline) assert.fail(`${what}: still ${JSON.stringify(value)} after ${timeoutMs} ms`);
    await sleep(200);
  }
}

test('without root the backend runs without limits and says so everywhere', { skip: isRoot && !existsSync('/usr/bin/setpriv') ? 'root, and no setpriv to drop privileges' : false }, async () => {
  const script = [process.execPath, '--import', 'tsx', path.join(repoRoot, 'test/helpers/local-unprivileged.ts')];
  // as root, drop to nobody; the tsx cache and the state directory live in the world-writable temp directory
  const argv = isRoot ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', 'env', 'HOME=/tmp', ...script] : script;
  const { stdout } = await execFileAsync(argv[0]!, argv.slice(1), { cwd: repoRoot, timeout: 120_000 });
  const seen = JSON.parse(stdout.trim().split('\n').at(-1)!);
  assert.equal(seen.limitsEnforced, false);
  assert.match(seen.cluster, /limits NOT enforced/);
  assert.match(seen.remote, /limits NOT enforced/);
  assert.match(seen.remote, /loopback/);
  assert.match(seen.remoteUrl, /^http:\/\/127\.0\.0\.1:/);
  assert.ok(seen.events.includes('limits-not-enforced'));
  assert.equal(seen.stats[0].cpuSeconds, undefined);
  assert.deepEqual(seen.leftovers, []);
});

test('each replica runs inside its own cgroup with the requested limits', { skip }, async () => {
  const { run, backend } = await started({ cpu: 0.5, memoryMi: 200 }, 2);
  assert.equal(backend.limitsEnforced, true);
  const marked = new Set((await markedProcesses()).filter((p) => p.tag === run.tag).map((p) => p.pid));
  const seenInGroups = new Set<number>();
  for (const i of [0, 1]) {
    const dirs = await findGroupDirs(`clouddetect-${run.tag}-replica-${i}`);
    assert.ok(dirs.length > 0, `no cgroup for replica ${i}`);
    const read = async (file: string) => {
      for (const dir of dirs) {
        const text = await readFile(path.join(dir, file), 'utf8').catch(() => null);
        if (text !== null) return text.trim();
      }
      return null;
    };
    const v1Quota = await read('cpu.cfs_quota_us');
    if (v1Quota !== null) {
      assert.equal(Number(v1Quota) / Number(await read('cpu.cfs_period_us')), 0.5);
      assert.equal(Number(await read('memory.limit_in_bytes')), 200 * 1024 * 1024);
    } else {
      assert.equal(await read('cpu.max'), '50000 100000');
      assert.equal(Number(await read('memory.max')), 200 * 1024 * 1024);
    }
    // tsx may start an esbuild helper beside the replica's node process; both belong in the group.
    const procs = (await read('cgroup.procs'))!.split('\n').filter(Boolean).map(Number).filter((p) => marked.has(p));
    assert.ok(procs.length >= 1, `replica ${i} has no process in its group`);
    for (const p of procs) {
      assert.ok(!seenInGroups.has(p), `process ${p} is in two replicas' groups`);
      seenInGroups.add(p);
    }
  }
  const stats = await backend.replicaStats();
  assert.ok(stats.every((s) => s.cpuSeconds !== undefined && s.cpuSeconds > 0 && s.memoryPeakBytes !== undefined && s.memoryPeakBytes > 0));
});

test('a CPU-bound process in a 0.5-core group gets about half a core', { skip }, async (t) => {
  assert.ok(probe.ok);
  const tag = testRun().tag;
  tags.push(tag);
  const group = await Cgroup.create(probe.host, `clouddetect-${tag}-burn`, { cpu: 0.5 });
  cleanups.push(() => group.remove());
  const [cmd, ...args] = inCgroupCommand(group, [process.execPath, '-e', 'const end = Date.now() + 10000; while (Date.now() < end);']);
  const child = spawn(cmd!, args, { stdio: 'ignore' });
  cleanups.push(async () => child.kill('SIGKILL'));
  const t0 = performance.now();
  await sleep(3000);
  const used = (await group.counters()).cpuSeconds;
  const cores = used / ((performance.now() - t0) / 1000);
  child.kill('SIGKILL');
  t.diagnostic(`used ${cores.toFixed(2)} cores`);
  // the quota caps it at 0.5; on a shared machine it may get much less, so the floor only proves it ran
  assert.ok(cores <= 0.6, `used ${cores.toFixed(2)} cores, quota 0.5`);
  assert.ok(cores >= 0.02, `used ${cores.toFixed(2)} cores: did it run at all?`);
});

test('a replica that outgrows its memory limit is OOM-killed, counted and restarted', { skip }, async () => {
  const { run, backend } = await started({ memoryMi: 128 }, 1);
  const { url } = await backend.endpoint('cluster');
  const res = await fetch(new URL('/_test/allocate?mb=400', url), { method: 'POST' }).catch((err: Error) => err);
  assert.ok(res instanceof Error || res.status === 502, 'the allocation should not have succeeded');
  const [stats] = await waitFor('replica stats', () => backend.replicaStats(), ([s]) => s!.oomKilled >= 1 && s!.restarts >= 1 && s!.ready, 30_000);
  assert.equal(stats!.name, `${run.tag}-replica-0`);
  assert.ok(run.events.some((e) => e.event === 'replica-exit' && e.fields?.signal === 'SIGKILL'));
  const again = await fetch(new URL('/api/object_detection', url), { method: 'POST', body: '{"id":"x"}' });
  assert.equal(again.status, 200);
});

test('a crashed replica is restarted and counted', async () => {
  const { backend } = await started({}, 1);
  const { url } = await backend.endpoint('cluster');
  await fetch(new URL('/_test/exit?code=3', url), { method: 'POST' });
  const [stats] = await waitFor('replica stats', () => backend.replicaStats(), ([s]) => s!.restarts >= 1 && s!.ready, 30_000);
  assert.equal(stats!.oomKilled, 0);
});

test('nothing of these runs is left after down()', async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  for (const tag of tags) assert.deepEqual(await leftovers(tag), [], `run ${tag}`);
});
