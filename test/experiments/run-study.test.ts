/**
 * The study engine with a stub backend: a deployment that never becomes
 * ready is recorded by a question that takes it (workload) and the loop goes
 * on; for a question that cannot (max-users) the run stops as before.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import type { ReplicaStats } from '../../experiments/contracts/domain.js';
import type { DeploymentSpec } from '../../experiments/contracts/deployment.js';
import { DeployFailed, type Backend } from '../../experiments/deploy/backend.js';
import { nextTrial, remainingTrials } from '../../experiments/engine/cell-trials.js';
import { QUESTIONS } from '../../experiments/engine/questions.js';
import { runStudy } from '../../experiments/engine/run-study.js';
import type { LoadJob } from '../../experiments/load/protocol/schema.js';
import { resolveConfig } from '../../experiments/plan/config.js';
import { buildPlan, runnableCells, type Plan } from '../../experiments/plan/plan.js';
import { isWorkloadTrial, type WorkloadTrial } from '../../experiments/record/schema.js';
import { RunStore } from '../../experiments/record/store.js';
import { level, workloadTrial } from './resources-fixtures.js';
import { tempDir } from './helpers.js';

/** Deploys fail for specs under `minMemoryMi` the way an OOM at start-up does; the workload answers 10 images/s. */
function stubBackend(minMemoryMi: number) {
  const deployed: DeploymentSpec[] = [];
  let stats: ReplicaStats[] = [];
  let cpu = 0;
  const backend: Backend = {
    name: 'stub',
    limitsEnforced: true,
    async deploy(spec) {
      deployed.push(spec);
      if (spec.memoryMi < minMemoryMi) {
        stats = [];
        throw new DeployFailed('replica r0 was SIGKILLed before it was ever ready', [{ name: 'r0', ready: false, restarts: 0, oomKilled: 1, memoryPeakBytes: spec.memoryMi * 2 ** 20 }]);
      }
      stats = [{ name: 'r0', ready: true, restarts: 0, oomKilled: 0, cpuSeconds: 0, cpuThrottledSeconds: 0, memoryPeakBytes: 80 * 2 ** 20 }];
    },
    endpoint: async (location) => ({ location, url: 'http://127.0.0.1:9', description: 'stub', bandwidthMbit: null }),
    executor: async () => ({
      run: async <J extends LoadJob>(job: J) => {
        cpu += 2;
        stats = stats.map((s) => ({ ...s, cpuSeconds: cpu }));
        return { kind: 'saturation', levels: [level(1, 10, 10), level(4, 20, 20)], loadGenCpu: 0.05, aborted: false, rttMs: 0.1 } as never;
      },
    }),
    replicaStats: async () => stats,
    hostCpu: async () => null,
    logs: async () => [],
    down: async () => undefined,
    detach: async () => undefined,
  };
  return { backend, deployed };
}

function resourcesPlan(trials = 1): Plan {
  const config = resolveConfig({
    study: 'resources',
    trials: { min: trials, max: trials },
    resources: {
      grid: { cpus: [0.5], memoryMi: [64, 512] },
      configurations: [{ name: 'gpu', cpu: 1, memoryMi: 512, gpu: { count: 1 } }],
      models: [{ name: 'm', task: 'detection', model: 'model/m.onnx' }],
      workload: { warmupS: 0, durationS: 1, maxRequests: 10 },
    },
  }, 'test');
  return buildPlan(config, { runId: 'stub', backend: 'stub', machineCores: 2, fitHost: false, profile: null, now: new Date(0) });
}

async function withStore<T>(fn: (store: RunStore) => Promise<T>): Promise<T> {
  const tmp = await tempDir('cd-engine-');
  try {
    const store = new RunStore(tmp.dir);
    await store.init();
    return await fn(store);
  } finally {
    await tmp.cleanup();
  }
}

const input = (plan: Plan, store: RunStore, backend: Backend) => ({ plan, store, backend, imagesDir: '/nonexistent', signal: new AbortController().signal, log: () => undefined });

test('a deployment that never becomes ready is recorded as the cell\'s trial and the study goes on', () =>
  withStore(async (store) => {
    const plan = resourcesPlan(2);
    const { backend, deployed } = stubBackend(128);
    const trials = (await runStudy(input(plan, store, backend))).filter(isWorkloadTrial);
    assert.deepEqual(deployed.map((d) => d.memoryMi), [64, 512, 512], 'the skipped GPU cell is never deployed; later trials re-check readiness');
    const oom = trials.find((t) => t.cell === 'm-cpu0.5-mem64')!;
    assert.equal(oom.status, 'oom');
    assert.match(oom.endsCell!, /before it became ready .*the model does not fit/);
    assert.equal(trials.filter((t) => t.cell === 'm-cpu0.5-mem64').length, 1, 'an OOM at start-up ends its cell: no second trial');
    const served = trials.filter((t) => t.cell === 'm-cpu0.5-mem512').sort((a, b) => a.trial - b.trial);
    assert.deepEqual(served.map((t) => t.status), ['success', 'success']);
    assert.equal(typeof served[0]!.startupS, 'number', 'the first trial after the deploy carries its time');
    assert.equal(served[1]!.startupS, null);
    assert.equal(served[0]!.usage!.cpuSeconds, 2);
    assert.match(await readFile(store.path('experiment_results.csv'), 'utf8'), /,oom,"OOM-killed 1× before it became ready/);
    // --resume: everything is settled, nothing is deployed again
    const again = stubBackend(128);
    await runStudy(input(plan, store, again.backend));
    assert.deepEqual(again.deployed, []);
  }));

test('for a question that does not take deploy failures, a failed deployment still stops the run', () =>
  withStore(async (store) => {
    const config = resolveConfig({ replicas: [1], locations: ['cluster'], trials: { min: 1, max: 1 }, replica: { memoryMi: 64 } }, 'test');
    const plan = buildPlan(config, { runId: 'stub', backend: 'stub', machineCores: 2, fitHost: false, profile: null, now: new Date(0) });
    await assert.rejects(runStudy(input(plan, store, stubBackend(128).backend)), DeployFailed);
    assert.deepEqual(await store.readTrials(), []);
  }));

test('a valid trial that ends its cell settles it for nextTrial and the remaining count', () => {
  const plan = resourcesPlan(3);
  const cells = runnableCells(plan.cells);
  const value = QUESTIONS.workload.value;
  const oom: WorkloadTrial = workloadTrial({ cell: 'm-cpu0.5-mem64', status: 'oom' });
  assert.equal(nextTrial(plan.config, cells[0]!, [oom], value), null);
  assert.equal(remainingTrials(plan.config, cells, [oom], value), 3, 'only the other cell\'s three remain');
  const invalid = { ...oom, valid: false, id: `${oom.id}-invalid0` };
  assert.deepEqual(nextTrial(plan.config, cells[0]!, [invalid], value), { trial: 0, attempt: 1 }, 'an invalid trial settles nothing');
  assert.throws(() => QUESTIONS['max-users'].value(oom), /a workload trial .* where max-users trials belong/);
});
