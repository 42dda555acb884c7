import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ReplicaStats } from '../../experiments/contracts/domain.js';
import { countersBetween, deployFailureVerdict, failedAnswers, workloadVerdict } from '../../experiments/engine/workload-verdict.js';
import { countersV1, countersV2 } from '../../lib/cgroup/parse.js';
import { level } from './resources-fixtures.js';

const MIB = 1024 * 1024;

/** What ReplicaSet.stats() makes of a v1 cgroup's files. */
function statsFromV1(files: { maxUsage: number; oomKill: number }, restarts = 0): ReplicaStats {
  const c = countersV1({
    cpuStat: 'nr_periods 10\nnr_throttled 4\nthrottled_time 5\n',
    cpuacctUsage: '1000\n',
    maxUsage: `${files.maxUsage}\n`,
    oomControl: `oom_kill_disable 0\nunder_oom 0\noom_kill ${files.oomKill}\n`,
  });
  return { name: 'r0', ready: true, restarts, oomKilled: c.oomKills, cpuSeconds: c.cpuSeconds, cpuThrottledSeconds: c.cpuThrottledSeconds, memoryPeakBytes: c.memoryPeakBytes! };
}

test('counters over a workload: new OOM kills and restarts from the status, the peak from the later read', () => {
  const before = statsFromV1({ maxUsage: 90 * MIB, oomKill: 0 });
  const after = statsFromV1({ maxUsage: 120 * MIB, oomKill: 1 }, 1);
  assert.deepEqual(countersBetween([before], [after]), { oomKills: 1, restarts: 1, memoryPeakBytes: 120 * MIB });
  const v2 = countersV2({ cpuStat: 'usage_usec 4000000\nthrottled_usec 1000000\n', memoryPeak: `${64 * MIB}\n`, memoryEvents: 'oom 3\noom_kill 2\n' });
  assert.equal(v2.oomKills, 2);
  // without cgroup counters (no root, no cAdvisor) kills and restarts are still counted; the peak is unknown, not 0
  const bare: ReplicaStats = { name: 'r0', ready: true, restarts: 0, oomKilled: 0 };
  assert.deepEqual(countersBetween([bare], [{ ...bare, oomKilled: 1, restarts: 1 }]), { oomKills: 1, restarts: 1, memoryPeakBytes: null });
  assert.deepEqual(countersBetween([], [{ ...bare, restarts: 2 }]).restarts, 2, 'a replica new since the first read counts from zero');
});

test('OOM classification: a new oom_kill in the cgroup is oom and ends the cell, whatever the answers were', () => {
  const counters = countersBetween([statsFromV1({ maxUsage: 100 * MIB, oomKill: 0 })], [statsFromV1({ maxUsage: 128 * MIB, oomKill: 1 }, 1)]);
  const v = workloadVerdict(counters, [level(1, 10, 10), level(4, 40, 12)], 128);
  assert.equal(v.status, 'oom');
  assert.match(v.error!, /OOM-killed 1× under the workload \(memory limit 128 MiB, peak 128 MiB\)/);
  assert.equal(v.endsCell, v.error);
});

test('an OOM kill counted before the workload is not this workload\'s', () => {
  const s = statsFromV1({ maxUsage: 128 * MIB, oomKill: 1 }, 1);
  assert.deepEqual(workloadVerdict(countersBetween([s], [s]), [level(1, 10, 10), level(4, 40, 40)], 128), { status: 'success' });
});

test('a restart without an OOM kill, or no successful answer at all, is failed with the reason', () => {
  const s = statsFromV1({ maxUsage: 100 * MIB, oomKill: 0 });
  const restarted = workloadVerdict(countersBetween([s], [{ ...s, restarts: 1 }]), [level(1, 5, 5)], 512);
  assert.equal(restarted.status, 'failed');
  assert.match(restarted.error!, /restarted 1× .*without an OOM kill/);
  const refused = workloadVerdict(countersBetween([s], [s]), [level(1, 8, 0, { '503': 8 }), level(4, 30, 0, { '503': 27 }, 3)], 128);
  assert.equal(refused.status, 'failed');
  assert.equal(refused.error, 'no successful answer: 503 ×35, 3 timeouts');
  assert.equal(failedAnswers([]), 'no answers at all');
});

test('a deployment that never became ready: oom when its replicas were OOM-killed, failed with the reason otherwise', () => {
  const killed = statsFromV1({ maxUsage: 64 * MIB, oomKill: 2 });
  const oom = deployFailureVerdict('replica x was SIGKILLed before it was ever ready', [killed], 64);
  assert.equal(oom.status, 'oom');
  assert.equal(oom.error, 'OOM-killed 2× before it became ready (memory limit 64 MiB, peak 64 MiB): the model does not fit');
  const slow = deployFailureVerdict('replica x not ready after 60000 ms', [{ ...killed, oomKilled: 0 }], 512);
  assert.deepEqual(slow, { status: 'failed', error: 'never became ready: replica x not ready after 60000 ms', endsCell: 'never became ready: replica x not ready after 60000 ms' });
});
