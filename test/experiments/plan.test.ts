import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, test } from 'node:test';
import { ConfigError, mergeDeep, resolveConfig } from '../../experiments/plan/config.js';
import { buildPlan, PlanError, trialId } from '../../experiments/plan/plan.js';
import { capacityWarning, checkCapacity, fitReplicaCpu } from '../../experiments/plan/capacity.js';

const ctx = { runId: 'run-1', backend: 'fake', machineCores: 2, fitHost: false, profile: null, now: new Date(0) };

describe('config', () => {
  test('an empty config is the assignment: 1/2/4/8 replicas, two locations, 3 trials, 0.5 CPU / 512 MiB, think 1-3 s', () => {
    const c = resolveConfig({}, 'test');
    assert.deepEqual(c.replicas, [1, 2, 4, 8]);
    assert.deepEqual(c.locations, ['cluster', 'remote']);
    assert.equal(c.trials.min, 3);
    assert.equal(c.replica.cpu, 0.5);
    assert.equal(c.replica.memoryMi, 512);
    assert.deepEqual(c.thinkS, [1, 3]);
  });

  test('every bad field is reported at once, by path', () => {
    assert.throws(
      () => resolveConfig({ replicas: [0], locations: ['moon'], thinkS: [3, 1], search: { holdS: 10, maxHoldS: 5 } }, 'config x.json'),
      (err: Error) => {
        assert.ok(err instanceof ConfigError);
        assert.match(err.message, /^config x\.json: \d+ problems/);
        for (const path of ['replicas.0', 'locations.0', 'thinkS', 'search.maxHoldS']) assert.match(err.message, new RegExp(`- ${path.replace('.', '\\.')}:`));
        return true;
      },
    );
  });

  test('a profile deep-merges over the base; arrays replace', () => {
    const raw = { replicas: [1, 2], search: { holdS: 10, maxHoldS: 20 }, profiles: { quick: { replicas: [1], search: { holdS: 2 } } } };
    const c = resolveConfig(raw, 'test', 'quick');
    assert.deepEqual(c.replicas, [1]);
    assert.equal(c.search.holdS, 2);
    assert.equal(c.search.maxHoldS, 20);
    assert.throws(() => resolveConfig(raw, 'test', 'slow'), /no profile "slow" \(has: quick\)/);
    assert.deepEqual(mergeDeep({ a: { b: 1, c: [1] } }, { a: { c: [2] } }), { a: { b: 1, c: [2] } });
  });

  test('the shipped assignment config and its quick profile are valid', async () => {
    const raw: unknown = JSON.parse(await readFile(new URL('../../experiments/configs/assignment.json', import.meta.url), 'utf8'));
    const full = resolveConfig(raw, 'assignment');
    const quick = resolveConfig(raw, 'assignment', 'quick');
    assert.deepEqual(quick.replicas, full.replicas, 'quick keeps the matrix structure');
    assert.deepEqual(quick.locations, full.locations);
    assert.ok(quick.trials.min < full.trials.min);
    assert.ok(quick.search.maxHoldS < full.search.maxHoldS);
  });

  test('byTask blocks apply for their task only, the profile\'s after the base\'s; an explicit task wins over the file', () => {
    const raw = {
      task: 'detection',
      search: { startUsers: 1, holdS: 10, maxHoldS: 20 },
      byTask: { pose: { search: { holdS: 15 } } },
      profiles: { quick: { search: { startUsers: 8, holdS: 3, maxHoldS: 3 }, byTask: { pose: { search: { startUsers: 2 } } } } },
    };
    const detection = resolveConfig(raw, 'test', 'quick');
    assert.equal(detection.task, 'detection');
    assert.deepEqual([detection.search.startUsers, detection.search.holdS], [8, 3]);
    const pose = resolveConfig(raw, 'test', 'quick', 'pose');
    assert.equal(pose.task, 'pose');
    assert.deepEqual([pose.search.startUsers, pose.search.holdS, pose.search.maxHoldS], [2, 3, 3]);
    const poseFull = resolveConfig(raw, 'test', undefined, 'pose');
    assert.deepEqual([poseFull.search.startUsers, poseFull.search.holdS], [1, 15]);
    assert.equal(resolveConfig({ ...raw, task: 'pose' }, 'test').search.holdS, 15, 'the file\'s own task selects its block');
    assert.throws(() => resolveConfig({ byTask: { segmentation: {} } }, 'test'), ConfigError);
    assert.throws(() => resolveConfig({ byTask: { pose: { search: { holdS: -1 } } } }, 'test', undefined, 'pose'), /search\.holdS/);
  });

  test('pose models and the report header have defaults and reach the plan', () => {
    const c = resolveConfig({}, 'test');
    assert.deepEqual(c.pose, { model: 'model/movenet_singlepose_lightning_int8.onnx', detector: 'model/yolov8n_int8.onnx' });
    assert.deepEqual(c.report, {});
    const header = { name: 'A. Student', studentId: 's1', supervisor: 'Dr B', title: 'Scaling' };
    const plan = buildPlan(resolveConfig({ report: header }, 'test'), ctx);
    assert.deepEqual(plan.config.report, header);
    assert.throws(() => resolveConfig({ report: { name: 7 } }, 'test'), /report\.name/);
  });

  test('the shipped quick profile starts pose lower, and its estimate is longer', async () => {
    const raw: unknown = JSON.parse(await readFile(new URL('../../experiments/configs/assignment.json', import.meta.url), 'utf8'));
    const detection = resolveConfig(raw, 'assignment', 'quick');
    const pose = resolveConfig(raw, 'assignment', 'quick', 'pose');
    assert.ok(pose.search.startUsers < detection.search.startUsers);
    assert.ok(buildPlan(pose, ctx).estimateS > buildPlan({ ...pose, task: 'detection' }, ctx).estimateS, 'the estimate allows for the seconds a pose level takes to drain');
  });
});

describe('plan', () => {
  test('trials are ordered replicas ascending, then location, then trial, with stable ids', () => {
    const plan = buildPlan(resolveConfig({ replicas: [4, 1, 2], trials: { min: 2 } }, 't'), ctx);
    assert.deepEqual(
      plan.trials.map((t) => t.id),
      [1, 2, 4].flatMap((r) => ['cluster', 'remote'].flatMap((l) => [0, 1].map((i) => trialId({ id: `r${r}-${l}` }, i)))),
    );
    assert.equal(new Set(plan.trials.map((t) => t.id)).size, plan.trials.length);
    assert.ok(plan.estimateS > 0);
  });

  test('cells over the host cores are marked and warned about loudly', () => {
    const plan = buildPlan(resolveConfig({ loadGenerator: { cpu: 1 } }, 't'), ctx);
    const bound = plan.cells.filter((c) => c.capacityBound).map((c) => c.replicas);
    assert.deepEqual([...new Set(bound)], [4, 8]);
    assert.ok(plan.warnings.some((w) => w.startsWith('CAPACITY')));
  });

  test('--fit-host scales per-replica CPU so the largest cell fits, and records it', () => {
    const plan = buildPlan(resolveConfig({ loadGenerator: { cpu: 1 } }, 't'), { ...ctx, fitHost: true });
    assert.equal(plan.fittedToHost, true);
    assert.ok(plan.replicaCpu < 0.5);
    assert.ok(8 * plan.replicaCpu + 1 <= 2);
    assert.ok(plan.cells.every((c) => !c.capacityBound));
    assert.throws(() => buildPlan(resolveConfig({ loadGenerator: { cpu: 1 }, hostCores: 1 }, 't'), { ...ctx, fitHost: true }), PlanError);
  });

  test('--fit-host leaves a plan that already fits alone', () => {
    const plan = buildPlan(resolveConfig({ replicas: [1, 2], loadGenerator: { cpu: 0.5 } }, 't'), { ...ctx, fitHost: true });
    assert.equal(plan.fittedToHost, false);
    assert.equal(plan.replicaCpu, 0.5);
  });
});

describe('capacity', () => {
  test('demand is replicas × CPU + generator; bound when above the cores', () => {
    const cells = checkCapacity({ replicas: [1, 2, 3], replicaCpu: 0.5, loadGenCpu: 1, hostCores: 2 });
    assert.deepEqual(cells.map((c) => c.demand), [1.5, 2, 2.5]);
    assert.deepEqual(cells.map((c) => c.bound), [false, false, true]);
    assert.match(capacityWarning(cells, 2) ?? '', /3 replicas need 2\.50/);
    assert.equal(capacityWarning(cells.slice(0, 2), 2), null);
  });

  test('fitting never raises the requested CPU and gives up when the generator alone fills the host', () => {
    assert.equal(fitReplicaCpu({ replicas: [1], replicaCpu: 0.5, loadGenCpu: 0.5, hostCores: 8 }), 0.5);
    assert.equal(fitReplicaCpu({ replicas: [4], replicaCpu: 0.5, loadGenCpu: 1, hostCores: 2 }), 0.25);
    assert.equal(fitReplicaCpu({ replicas: [4], replicaCpu: 0.5, loadGenCpu: 2, hostCores: 2 }), null);
  });
});
