import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readCpuLimit, readMemoryLimit, threadsFor, type CgroupReader } from '../../lib/cgroup/own-limits.js';
import { parseCfs, parseCpuMax, parseMemoryLimit, parseProcCgroup } from '../../lib/cgroup/parse.js';

function fakeFs(files: Record<string, string>): CgroupReader {
  return async (rel) => files[rel];
}

test('cpu.max and CFS files parse to cores, unlimited to null', () => {
  assert.equal(parseCpuMax('50000 100000\n'), 0.5);
  assert.equal(parseCpuMax('max 100000'), null);
  assert.equal(parseCfs('150000\n', '100000\n'), 1.5);
  assert.equal(parseCfs('-1', '100000'), null);
});

test('/proc/self/cgroup gives the v2 path and the v1 cpu path', () => {
  const m = parseProcCgroup('12:cpuset:/\n4:cpu,cpuacct:/kubepods/pod1/c1\n0::/kubepods.slice/x\n');
  assert.equal(m.get('cpu'), '/kubepods/pod1/c1');
  assert.equal(m.get(''), '/kubepods.slice/x');
});

test('threads: a 0.5 CPU quota gives one thread; quotas never exceed the cores', () => {
  assert.equal(threadsFor(0.5, 8), 1);
  assert.equal(threadsFor(2.5, 8), 2);
  assert.equal(threadsFor(4, 2), 2);
  assert.equal(threadsFor(null, 6), 6);
});

test('cgroup v2: the quota of the own cgroup is found', async () => {
  const read = fakeFs({ 'proc/self/cgroup': '0::/pod\n', 'sys/fs/cgroup/pod/cpu.max': '50000 100000\n', 'sys/fs/cgroup/cpu.max': 'max 100000' });
  const limit = await readCpuLimit(read, 16);
  assert.equal(limit.quotaCores, 0.5);
  assert.equal(limit.threads, 1);
  assert.match(limit.source, /v2/);
});

test('cgroup v1: the tightest quota along the path wins (a parent limits its children)', async () => {
  const read = fakeFs({
    'proc/self/cgroup': '3:cpu,cpuacct:/outer/inner\n',
    'sys/fs/cgroup/cpu,cpuacct/outer/inner/cpu.cfs_quota_us': '-1',
    'sys/fs/cgroup/cpu,cpuacct/outer/inner/cpu.cfs_period_us': '100000',
    'sys/fs/cgroup/cpu,cpuacct/outer/cpu.cfs_quota_us': '100000',
    'sys/fs/cgroup/cpu,cpuacct/outer/cpu.cfs_period_us': '100000',
  });
  const limit = await readCpuLimit(read, 4);
  assert.equal(limit.quotaCores, 1);
  assert.equal(limit.threads, 1);
  assert.match(limit.source, /v1 .*outer$/);
});

test('container without a cgroup namespace: the mount root holds the own quota', async () => {
  const read = fakeFs({
    'proc/self/cgroup': '4:cpu:/docker/abc\n',
    'sys/fs/cgroup/cpu/cpu.cfs_quota_us': '200000',
    'sys/fs/cgroup/cpu/cpu.cfs_period_us': '100000',
  });
  assert.equal((await readCpuLimit(read, 8)).threads, 2);
});

test('no cgroup files at all: limited by the cores only', async () => {
  const limit = await readCpuLimit(fakeFs({}), 3);
  assert.equal(limit.quotaCores, null);
  assert.equal(limit.threads, 3);
});

test('memory limit: v2 memory.max, v1 limit_in_bytes, "max" and the v1 no-limit value are unlimited', async () => {
  assert.equal(parseMemoryLimit('536870912\n'), 536870912);
  assert.equal(parseMemoryLimit('max'), null);
  assert.equal(parseMemoryLimit('9223372036854771712'), null);
  const v2 = fakeFs({ 'proc/self/cgroup': '0::/pod\n', 'sys/fs/cgroup/pod/memory.max': '536870912' });
  assert.equal(await readMemoryLimit(v2), 512 * 1024 * 1024);
  const v1 = fakeFs({ 'proc/self/cgroup': '4:memory:/a/b\n5:cpu:/\n', 'sys/fs/cgroup/memory/a/memory.limit_in_bytes': '268435456' });
  assert.equal(await readMemoryLimit(v1), 256 * 1024 * 1024);
  assert.equal(await readMemoryLimit(fakeFs({})), null);
});
