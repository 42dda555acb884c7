/**
 * The balancer's policies on a fake replica pool (no sockets): what each
 * early policy picks, what the late policies' slot chooser allows, the
 * central queue's order, bound and timeout on a fake clock, and how
 * first-available with several activators misjudges a replica's slots.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { balancerSpec, BalancerSpec, DeploymentSpec, sameReplicaShape } from '../../experiments/contracts/deployment.js';
import { createBinder } from '../../experiments/deploy/local/binder.js';
import { CentralQueue, QueueRefused } from '../../experiments/deploy/local/central-queue.js';
import { createPicker, createSlotChooser, type PoolMember } from '../../experiments/deploy/local/pick.js';
import { seededRng } from '../../lib/seeded-rng.js';
import { fakeClock } from '../helpers/fake-clock.js';

const pool = (...inFlight: number[]): PoolMember[] => inFlight.map((n, i) => ({ name: `r${i}`, inFlight: n }));

const flush = () => new Promise((r) => setImmediate(r));

test('round-robin cycles, least-connections takes the least loaded (ties in turn)', () => {
  const rr = createPicker('round-robin');
  assert.deepEqual([0, 1, 2, 3].map(() => rr(pool(5, 0, 9))!.name), ['r0', 'r1', 'r2', 'r0']);
  const lc = createPicker('least-connections');
  assert.equal(lc(pool(3, 1, 2))!.name, 'r1');
  assert.deepEqual([0, 1, 2].map(() => lc(pool(0, 4, 0))!.name), ['r0', 'r2', 'r0']);
  assert.equal(lc([]), undefined);
});

test('random-choice-2 takes the less loaded of two distinct random replicas, never the busiest of three unless drawn with a busier one', () => {
  const p2c = createPicker('random-choice-2', seededRng(3));
  const members = pool(0, 5, 9);
  const counts: Record<string, number> = {};
  for (let i = 0; i < 3000; i++) {
    const m = p2c(members)!;
    counts[m.name] = (counts[m.name] ?? 0) + 1;
  }
  // r0 wins every pair it is in (2 of 3 pairs), r1 wins {r1, r2}; r2 never wins
  assert.equal(counts.r2, undefined);
  assert.ok(Math.abs(counts.r0! / 3000 - 2 / 3) < 0.04, `r0 chosen ${counts.r0} of 3000`);
  assert.equal(createPicker('random-choice-2')(pool(7))!.name, 'r0');
});

test('late policies name only a replica with a free slot: first-available the first, late-binding the least loaded', () => {
  const first = createSlotChooser('first-available', 2);
  assert.equal(first(pool(2, 1, 0))!.name, 'r1');
  assert.equal(first(pool(2, 2, 2)), undefined);
  const late = createSlotChooser('late-binding', 2);
  assert.equal(late(pool(1, 2, 0))!.name, 'r2');
  assert.equal(late(pool(2, 2)), undefined);
});

test('the central queue hands slots out first come first served as replicas free up', async () => {
  const q = new CentralQueue(createSlotChooser('late-binding', 1), { queueBound: 10, waitTimeoutMs: 1000 }, fakeClock());
  q.setPool(['a', 'b']);
  const order: string[] = [];
  const first = await q.acquire();
  const second = await q.acquire();
  assert.deepEqual([first, second].sort(), ['a', 'b']);
  const waiting = ['w1', 'w2', 'w3'].map((w) => q.acquire().then((name) => order.push(`${w}@${name}`)));
  assert.equal(q.waiting, 3);
  q.release('b');
  await flush();
  q.release('a');
  await flush();
  assert.deepEqual(order, ['w1@b', 'w2@a']);
  assert.equal(q.waiting, 1);
  q.release('a');
  await Promise.all(waiting);
  assert.deepEqual(order, ['w1@b', 'w2@a', 'w3@a']);
  assert.equal(q.inFlight('a') + q.inFlight('b'), 2);
});

test('the central queue refuses beyond its bound and times a waiter out', async () => {
  const clock = fakeClock();
  const q = new CentralQueue(createSlotChooser('late-binding', 1), { queueBound: 2, waitTimeoutMs: 500 }, clock);
  q.setPool(['a']);
  await q.acquire();
  const w1 = q.acquire();
  const w2 = q.acquire();
  await assert.rejects(q.acquire(), (e: unknown) => e instanceof QueueRefused && e.reason === 'queue-full');
  clock.advance(499);
  assert.equal(q.waiting, 2);
  clock.advance(1);
  await assert.rejects(w1, (e: unknown) => e instanceof QueueRefused && e.reason === 'wait-timeout');
  await assert.rejects(w2, (e: unknown) => e instanceof QueueRefused && e.reason === 'wait-timeout');
  assert.equal(q.waiting, 0);
  // a slot freed after the timeouts goes to nobody: the queue is empty and the slot is free
  q.release('a');
  assert.equal(await q.acquire(), 'a');
});

test('a waiter whose client leaves gives up its place', async () => {
  const q = new CentralQueue(createSlotChooser('late-binding', 1), { queueBound: 5, waitTimeoutMs: 1000 }, fakeClock());
  q.setPool(['a']);
  await q.acquire();
  const gone = new AbortController();
  const left = q.acquire(gone.signal);
  const stays = q.acquire();
  gone.abort(new Error('client left'));
  await assert.rejects(left, /client left/);
  q.release('a');
  assert.equal(await stays, 'a');
});

test('replicas appearing serve the waiters; an empty pool holds them until one does', async () => {
  const q = new CentralQueue(createSlotChooser('first-available', 1), { queueBound: 5, waitTimeoutMs: 1000 }, fakeClock());
  const w = q.acquire();
  assert.equal(q.waiting, 1);
  q.setPool(['new']);
  assert.equal(await w, 'new');
});

test('one first-available activator never overcommits; two, each counting only its own requests, put two on one replica', async () => {
  const names = pool(0, 0);
  const one = createBinder(balancerSpec('first-available', { activators: 1 }), () => names);
  const signal = new AbortController().signal;
  const a = await one.bind(signal);
  const b = await one.bind(signal);
  assert.deepEqual([a!.name, b!.name], ['r0', 'r1']);
  const third = one.bind(signal);
  assert.equal(one.waiting(), 1);
  a!.release();
  assert.equal((await third)!.name, 'r0');

  const two = createBinder(balancerSpec('first-available', { activators: 2 }), () => names);
  const picks = [await two.bind(signal), await two.bind(signal)].map((x) => x!.name);
  // both activators believe r0 free: the replica gets two requests, its second waits inside it
  assert.deepEqual(picks, ['r0', 'r0']);
});

test('an early binder binds at once on the true in-flight counts, and says when no replica is ready', async () => {
  const members = pool(3, 0);
  const early = createBinder({ policy: 'least-connections' }, () => members);
  assert.equal((await early.bind(new AbortController().signal))!.name, 'r1');
  assert.equal(await createBinder({ policy: 'round-robin' }, () => []).bind(new AbortController().signal), undefined);
});

test('balancer specs are strict, and a balancer change is not a new replica shape', () => {
  assert.equal(BalancerSpec.safeParse({ policy: 'late-binding', replicaConcurrency: 1, queueBound: 1, waitTimeoutMs: 1, extra: 1 }).success, false);
  assert.equal(BalancerSpec.safeParse({ policy: 'late-binding' }).success, false, 'a late policy states its queue');
  assert.equal(BalancerSpec.safeParse({ policy: 'round-robin', queueBound: 3 }).success, false);
  const spec = DeploymentSpec.parse({ task: 'detection', replicas: 4, cpu: 0.5, memoryMi: 512, modelPath: '/m', balancer: 'round-robin' });
  assert.deepEqual(spec.balancer, { policy: 'round-robin' }, 'a bare policy name from an older run file still reads');
  assert.equal(sameReplicaShape(spec, { ...spec, balancer: balancerSpec('late-binding') }), true);
  assert.equal(sameReplicaShape(spec, { ...spec, work: { unitMs: 1, maxUnits: 10, queueLength: 5, queueTimeoutMs: 1000 } }), false);
});
