import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Cgroup } from '../../lib/cgroup/group.js';
import { createPicker } from '../../experiments/deploy/local/pick.js';
import { Flow, Link } from '../../experiments/deploy/local/wan-link.js';
import { countersV1, countersV2, cpuMax, layoutFromMountinfo, parseProcCgroup } from '../../lib/cgroup/parse.js';
import { subnetFor } from '../../experiments/deploy/local/netns.js';
import { resolveLocalOptions } from '../../experiments/deploy/local/options.js';
import { sameReplicaShape } from '../../experiments/contracts/deployment.js';
import { REPO_ROOT } from '../../lib/repo-root.js';
import { testRun } from '../helpers/local-options.js';

const pool = (...inFlight: number[]) => inFlight.map((n, i) => ({ name: `r${i}`, inFlight: n }));

test('round-robin cycles through the pool in order', () => {
  const pick = createPicker('round-robin');
  const p = pool(0, 0, 0);
  assert.deepEqual(Array.from({ length: 7 }, () => pick(p)!.name), ['r0', 'r1', 'r2', 'r0', 'r1', 'r2', 'r0']);
  assert.equal(pick([]), undefined);
});

test('least-connections picks the least busy replica and spreads ties', () => {
  const pick = createPicker('least-connections');
  assert.equal(pick(pool(3, 1, 2))!.name, 'r1');
  const ties = pool(0, 5, 0);
  assert.deepEqual([pick(ties)!.name, pick(ties)!.name].sort(), ['r0', 'r2']);
});

test('random follows its random source', () => {
  const values = [0.1, 0.5, 0.99];
  const pick = createPicker('random', () => values.shift()!);
  assert.deepEqual([pick(pool(0, 0, 0))!.name, pick(pool(0, 0, 0))!.name, pick(pool(0, 0, 0))!.name], ['r0', 'r1', 'r2']);
});

test('a link delays by the one-way delay and serializes by bandwidth', () => {
  const link = new Link({ delayMs: 20, jitterMs: 0, bandwidthMbit: 8 }); // 8 Mbit/s = 1 byte per µs
  const flow = new Flow(link);
  assert.equal(flow.deliverAt(0, 1000), 1 + 20);
  // the second chunk waits for the first to leave the link
  assert.equal(flow.deliverAt(0, 1000), 2 + 20);
  // an idle link starts at once
  assert.equal(flow.deliverAt(100, 0), 120);
});

test('jitter never reorders one flow and never makes a delay negative', () => {
  const randoms = [1, 0, 0.5];
  const link = new Link({ delayMs: 10, jitterMs: 10, bandwidthMbit: 0 }, () => randoms.shift() ?? 0);
  const flow = new Flow(link);
  const first = flow.deliverAt(0, 10); // +10 jitter
  const second = flow.deliverAt(1, 10); // -10 jitter would arrive before the first
  assert.equal(first, 20);
  assert.equal(second, 20);
  assert.equal(new Flow(new Link({ delayMs: 1, jitterMs: 5, bandwidthMbit: 0 }, () => 0)).deliverAt(0, 1), 0);
});

test('a flow that starts with a handshake holds its first bytes for it', () => {
  const flow = new Flow(new Link({ delayMs: 20, jitterMs: 0, bandwidthMbit: 0 }), 40);
  assert.equal(flow.deliverAt(0, 10), 40);
  assert.equal(flow.deliverAt(50, 10), 70);
});

const V1 = `32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw`;
const V2 = `30 23 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate`;

test('cgroup layout: v1 controllers win over an empty unified tree, v2 needs cpu and memory', () => {
  assert.deepEqual(layoutFromMountinfo(V1, () => []), {
    version: 'v1', mounts: { cpu: '/sys/fs/cgroup/cpu', cpuacct: '/sys/fs/cgroup/cpuacct', memory: '/sys/fs/cgroup/memory' },
  });
  assert.deepEqual(layoutFromMountinfo(V2, () => ['cpu', 'io', 'memory']), {
    version: 'v2', mounts: { cpu: '/sys/fs/cgroup', cpuacct: '/sys/fs/cgroup', memory: '/sys/fs/cgroup' },
  });
  assert.equal(layoutFromMountinfo(V2, () => ['io']), null);
  assert.equal(layoutFromMountinfo('', () => []), null);
});

test('/proc/self/cgroup gives a path per controller', () => {
  const paths = parseProcCgroup('4:memory:/process_api/abc\n2:cpu,cpuacct:/\n0::/user.slice\n');
  assert.equal(paths.get('memory'), '/process_api/abc');
  assert.equal(paths.get('cpuacct'), '/');
  assert.equal(paths.get(''), '/user.slice');
});

test('cgroup counters are converted to seconds, periods and bytes', () => {
  assert.deepEqual(
    countersV1({ cpuStat: 'nr_periods 10\nnr_throttled 4\nthrottled_time 2500000000\n', cpuacctUsage: '1500000000\n', maxUsage: '1048576\n', oomControl: 'oom_kill_disable 0\nunder_oom 0\noom_kill 2\n' }),
    { cpuSeconds: 1.5, cpuThrottledSeconds: 2.5, cpuPeriods: 10, cpuThrottledPeriods: 4, memoryPeakBytes: 1048576, oomKills: 2 },
  );
  assert.deepEqual(
    countersV2({ cpuStat: 'usage_usec 3000000\nnr_periods 20\nnr_throttled 5\nthrottled_usec 500000\n', memoryPeak: null, memoryEvents: 'low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n' }),
    { cpuSeconds: 3, cpuThrottledSeconds: 0.5, cpuPeriods: 20, cpuThrottledPeriods: 5, memoryPeakBytes: undefined, oomKills: 1 },
  );
  assert.equal(cpuMax(0.5), '50000 100000');
});

test('subnets are private /30s that skip addresses in use', () => {
  const first = subnetFor('00000000', new Set());
  assert.deepEqual(first, { hostIp: '10.231.0.1', nsIp: '10.231.0.2' });
  assert.deepEqual(subnetFor('00000000', new Set(['10.231.0.1'])), { hostIp: '10.231.0.5', nsIp: '10.231.0.6' });
});

test('options are validated strictly with one readable error', () => {
  const { own } = testRun();
  assert.throws(() => resolveLocalOptions({ ...own, loadGenCpu: 0 }), /loadGenCpu/);
  assert.throws(() => resolveLocalOptions({ ...own, replicaCpu: 0.5 } as never), /Unrecognized key/);
  assert.throws(() => resolveLocalOptions({ ...own, wan: { rttMs: 10, jitterMs: 8, bandwidthMbit: 1 } }), /jitterMs/);
  const resolved = resolveLocalOptions({ ...own, replicaCommand: undefined });
  assert.equal(resolved.replicaCommand.at(-1), path.join(REPO_ROOT, 'service/main.ts'));
});

test('a replica shape change replaces replicas; a count change only scales', () => {
  const spec = testRun().spec(2);
  assert.equal(sameReplicaShape(spec, { ...spec, replicas: 4, balancer: { policy: 'random' } }), true);
  assert.equal(sameReplicaShape(spec, { ...spec, cpu: 1 }), false);
  assert.equal(sameReplicaShape(spec, { ...spec, memoryMi: 1024 }), false);
  assert.equal(sameReplicaShape(spec, { ...spec, modelPath: '/other.onnx' }), false);
});

test('cgroup v2: one group in the unified tree gets cpu.max, memory.max and no swap, and its counters are read from there', async () => {
  const root = await mkdtemp(path.join(tmpdir(), 'fake-cgroup2-'));
  try {
    const host = { layout: { version: 'v2' as const, mounts: { cpu: root, cpuacct: root, memory: root } }, parents: { cpu: root, cpuacct: root, memory: root } };
    const group = await Cgroup.create(host, 'clouddetect-test-r0', { cpu: 0.5, memoryMi: 512 });
    const dir = path.join(root, 'clouddetect-test-r0');
    assert.equal(await readFile(path.join(dir, 'cpu.max'), 'utf8'), '50000 100000');
    assert.equal(await readFile(path.join(dir, 'memory.max'), 'utf8'), String(512 * 2 ** 20));
    assert.equal(await readFile(path.join(dir, 'memory.swap.max'), 'utf8'), '0');
    assert.deepEqual(group.procsFiles(), [path.join(dir, 'cgroup.procs')]);
    await writeFile(path.join(dir, 'cpu.stat'), 'usage_usec 2000000\nnr_throttled 4\nthrottled_usec 250000\n');
    await writeFile(path.join(dir, 'memory.peak'), String(300 * 2 ** 20));
    await writeFile(path.join(dir, 'memory.events'), 'low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\n');
    assert.deepEqual(await group.counters(), countersV2({
      cpuStat: 'usage_usec 2000000\nnr_throttled 4\nthrottled_usec 250000\n',
      memoryPeak: String(300 * 2 ** 20),
      memoryEvents: 'low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\n',
    }));
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
