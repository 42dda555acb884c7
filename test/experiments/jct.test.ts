/**
 * Staggered sends with known durations, run as a discrete-event simulation
 * on a fake clock through the real parts: the balancer's binder (central
 * queue or early picker), the service's FIFO Limiter as each replica, the
 * generator's request record built from Server-Timing, and the analysis's
 * JCT and queueing measures. Every request's queueing delay and JCT is
 * worked out by hand below. Pure: no sockets, no real time.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { balancerSpec, type BalancerSpec } from '../../experiments/contracts/deployment.js';
import type { OpenRequest } from '../../experiments/contracts/open-load.js';
import { createBinder } from '../../experiments/deploy/local/binder.js';
import { groupStats, jctMs, queueingMs, slowdown } from '../../experiments/analyse/jct.js';
import { requestRecord } from '../../experiments/load/open-loop.js';
import { Limiter } from '../../service/queue.js';
import { fakeClock } from '../helpers/fake-clock.js';

/** Sends at these ms, each needing this many ms of its replica. */
const SENDS = [
  { at: 0, ms: 100 },
  { at: 10, ms: 50 },
  { at: 20, ms: 10 },
  { at: 30, ms: 10 },
];

async function simulate(spec: BalancerSpec): Promise<OpenRequest[]> {
  const clock = fakeClock();
  const replicas = new Map([['a', new Limiter(1)], ['b', new Limiter(1)]]);
  const inFlight = new Map([['a', 0], ['b', 0]]);
  const binder = createBinder(spec, () => [...inFlight.entries()].map(([name, n]) => ({ name, inFlight: n })));
  const signal = new AbortController().signal;
  const one = async (send: (typeof SENDS)[number]): Promise<OpenRequest> => {
    await clock.sleep(send.at);
    const sendMs = clock.now;
    const binding = (await binder.bind(signal))!;
    const lbQueue = clock.now - sendMs;
    inFlight.set(binding.name, inFlight.get(binding.name)! + 1);
    const arrived = clock.now;
    let queue = 0;
    await replicas.get(binding.name)!.run(async () => {
      queue = clock.now - arrived;
      await clock.sleep(send.ms);
    });
    inFlight.set(binding.name, inFlight.get(binding.name)! - 1);
    binding.release();
    const headers = { 'server-timing': `queue;dur=${queue}, work;dur=${send.ms}, total;dur=${queue + send.ms}, lb-queue;dur=${lbQueue}`, 'x-served-by': binding.name };
    return requestRecord({ atMs: send.at, units: send.ms, warmup: false }, sendMs, clock.now, { status: 200, headers });
  };
  const all = Promise.all(SENDS.map(one));
  await clock.run();
  return all;
}

test('late binding: the third and fourth requests wait in the balancer for the replica that frees first', async () => {
  const r = await simulate(balancerSpec('late-binding'));
  // a runs 0-100; b runs 10-60, then the third 60-70, then the fourth 70-80
  assert.deepEqual(r.map((x) => x.replica), ['a', 'b', 'b', 'b']);
  assert.deepEqual(r.map(queueingMs), [0, 0, 40, 40]);
  assert.deepEqual(r.map((x) => x.lbQueueMs), [0, 0, 40, 40], 'all of it in the balancer');
  assert.deepEqual(r.map((x) => x.queueMs), [0, 0, 0, 0], 'none of it in a replica');
  assert.deepEqual(r.map(jctMs), [100, 50, 50, 50]);
  assert.deepEqual(r.map(slowdown), [1, 1, 5, 5]);
});

test('round-robin: the third request is bound to the busy replica on arrival and waits there', async () => {
  const r = await simulate({ policy: 'round-robin' });
  // a: 0-100 then the third 100-110; b: 10-60 then the fourth (sent at 30) 60-70
  assert.deepEqual(r.map((x) => x.replica), ['a', 'b', 'a', 'b']);
  assert.deepEqual(r.map(queueingMs), [0, 0, 80, 30]);
  assert.deepEqual(r.map((x) => x.queueMs), [0, 0, 80, 30], 'all of it in the replica');
  assert.deepEqual(r.map(jctMs), [100, 50, 90, 40]);
  // the short jobs' tail: 90 ms bound early against 50 ms bound late
  assert.equal(groupStats(r.filter((x) => x.units === 10)).jctMs.max, 90);
});

test('the measures add up: JCT = queueing + service + overhead, each ≥ 0, for every answered request', async () => {
  const r = await simulate(balancerSpec('late-binding'));
  const stats = groupStats(r);
  assert.equal(stats.n, 4);
  assert.equal(stats.ok, 4);
  assert.equal(stats.overheadMs.max, 0, 'a simulation has no network');
  assert.equal(stats.queueMs.mean, 20);
  assert.equal(stats.jctMs.mean, 62.5);
});
