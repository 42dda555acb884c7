import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Step } from '../../experiments/contracts/domain.js';
import { converged, searchMaxUsers } from '../../experiments/search/bisect.js';
import { rampMaxUsers } from '../../experiments/search/ramp.js';
import { simulatedProbe, type SimulationOptions } from '../../bench/lib/queue-simulator.js';
import type { Probe, SearchSettings } from '../../experiments/search/types.js';
import { okRecords, stepFrom } from './helpers.js';

const settings: SearchSettings = { startUsers: 1, upperBound: 500, resolution: 0, confirmRetries: 3 };

/** A system whose limit is exactly `limit` users: a level passes iff users ≤ limit. */
function thresholdProbe(limit: number, opts: { objectiveOnly?: boolean } = {}): Probe & { held: number[] } {
  const held: number[] = [];
  const step = (users: number): Step => {
    if (users <= limit) return stepFrom(users, okRecords(20, 10));
    if (opts.objectiveOnly) return { ...stepFrom(users, okRecords(20, 10)), passed: false };
    return stepFrom(users, [{ doneAtMs: 5, latencyMs: 5, error: 'status' }]);
  };
  return {
    held,
    async hold(users) {
      held.push(users);
      return step(users);
    },
    async ramp(from, to) {
      const steps: Step[] = [];
      for (let u = from; u <= to; u += 1) {
        steps.push(step(u));
        if (u > limit) break;
      }
      return steps;
    },
  };
}

const sim = (replicas: number, over: Partial<SimulationOptions> = {}): SimulationOptions => ({
  service: { replicas, concurrency: 1, queue: 4, serviceMs: 50, serviceJitter: 0, rttMs: 1, timeoutMs: 5000 },
  thinkS: [0, 0],
  hold: { holdS: 3, maxHoldS: 6, minRequests: 50, windowS: 1, stableTolerance: 0.1 },
  rampStepS: 1,
  seed: 7,
  ...over,
});

describe('strategies on a system with a sharp limit', () => {
  for (const limit of [0, 1, 2, 7, 33, 64, 499]) {
    test(`limit ${limit}: search and ramp both answer ${limit}, confirmed by a passing hold`, async () => {
      for (const strategy of [searchMaxUsers, rampMaxUsers]) {
        const out = await strategy(thresholdProbe(limit), settings);
        assert.equal(out.maxUsers, limit);
        if (limit > 0) {
          assert.equal(out.confirmed, true);
          assert.equal(out.steps[out.confirmStep]?.users, limit);
          assert.equal(out.steps[out.confirmStep]?.passed, true);
        }
        assert.equal(out.decidedBy, 'failure');
      }
    });
  }

  test('search needs far fewer holds than there are users', async () => {
    const probe = thresholdProbe(300);
    await searchMaxUsers(probe, settings);
    assert.ok(probe.held.length <= 2 * Math.ceil(Math.log2(300)) + 2, `${probe.held.length} holds`);
  });

  test('a system that never fails stops at the upper bound', async () => {
    for (const strategy of [searchMaxUsers, rampMaxUsers]) {
      const out = await strategy(thresholdProbe(10_000), { ...settings, upperBound: 40 });
      assert.equal(out.maxUsers, 40);
      assert.equal(out.decidedBy, 'upper-bound');
    }
  });

  test('a level failing only its latency objective is decided by the objective', async () => {
    const out = await searchMaxUsers(thresholdProbe(12, { objectiveOnly: true }), settings);
    assert.equal(out.maxUsers, 12);
    assert.equal(out.decidedBy, 'latency-objective');
  });

  test('a coarse resolution stops bisecting within it', async () => {
    const out = await searchMaxUsers(thresholdProbe(300), { ...settings, resolution: 0.1 });
    assert.ok(out.maxUsers <= 300 && out.maxUsers >= 270, String(out.maxUsers));
    assert.equal(converged(100, 110, 0.1), true);
    assert.equal(converged(100, 111, 0.1), false);
    assert.equal(converged(0, 1, 0), true);
  });

  test('a failed confirmation resumes the bisection below it', async () => {
    let flaky = true;
    const base = thresholdProbe(20);
    const probe: Probe = {
      ramp: base.ramp,
      async hold(users) {
        // The first hold at 20 passes, the second (the confirmation) fails once: 20 is not the answer after all.
        if (users === 20 && base.held.filter((u) => u === 20).length === 1 && flaky) {
          flaky = false;
          base.held.push(users);
          return stepFrom(users, [{ doneAtMs: 1, latencyMs: 1, error: 'timeout' }]);
        }
        return base.hold(users);
      },
    };
    const out = await searchMaxUsers(probe, settings);
    assert.equal(out.confirmed, true);
    assert.equal(out.maxUsers, 19);
  });
});

describe('strategies on the simulated queueing service', () => {
  for (const replicas of [1, 2, 4]) {
    test(`saturating users, ${replicas} replica(s) × (1 in service + 4 queued): both find ${replicas * 5}`, async () => {
      const search = await searchMaxUsers(simulatedProbe(sim(replicas)), settings);
      const ramp = await rampMaxUsers(simulatedProbe(sim(replicas)), settings);
      assert.equal(search.maxUsers, replicas * 5);
      assert.equal(ramp.maxUsers, replicas * 5);
    });
  }

  test('with think time the two strategies agree within 15 % and more replicas serve more users', async () => {
    const answers: number[] = [];
    for (const replicas of [1, 4]) {
      const o = sim(replicas, { thinkS: [1, 3], service: { replicas, concurrency: 1, queue: 8, serviceMs: 50, serviceJitter: 0.2, rttMs: 1, timeoutMs: 5000 } });
      const search = await searchMaxUsers(simulatedProbe(o), settings);
      const ramp = await rampMaxUsers(simulatedProbe(o), settings);
      const gap = Math.abs(search.maxUsers - ramp.maxUsers) / Math.max(search.maxUsers, ramp.maxUsers);
      assert.ok(gap <= 0.15, `search ${search.maxUsers} vs ramp ${ramp.maxUsers}`);
      answers.push(search.maxUsers);
    }
    assert.ok(answers[1]! > 2 * answers[0]!, `1 replica ${answers[0]}, 4 replicas ${answers[1]}`);
  });

  test('the simulated steps count every request and spread them round-robin', async () => {
    const step = await simulatedProbe(sim(2)).hold(6);
    assert.equal(step.passed, true);
    assert.equal(step.successes, step.requests);
    const counts = Object.values(step.perReplica);
    assert.equal(counts.length, 2);
    assert.ok(Math.abs(counts[0]! - counts[1]!) <= 1);
    assert.ok(step.requests >= 50, 'a hold answers at least minRequests');
  });
});
