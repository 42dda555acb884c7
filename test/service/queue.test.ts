import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Admission } from '../../service/admission.js';
import { Limiter } from '../../service/queue.js';

test('admission refuses beyond the request count and gives the slot back on release', () => {
  const a = new Admission({ maxRequests: 2, maxBytes: 1e9 });
  const t1 = a.tryAdmit(10);
  const t2 = a.tryAdmit(10);
  assert.ok(t1 && t2);
  assert.equal(a.tryAdmit(10), null);
  t1.release();
  t1.release();
  assert.equal(a.admitted, 1);
  assert.ok(a.tryAdmit(10));
});

test('admission refuses beyond the byte budget, but always admits a lone request', () => {
  const a = new Admission({ maxRequests: 10, maxBytes: 100 });
  const big = a.tryAdmit(500);
  assert.ok(big, 'a single request larger than the budget still gets in');
  assert.equal(a.tryAdmit(1), null);
  big.release();
  const t = a.tryAdmit(60);
  assert.ok(t);
  assert.equal(a.tryAdmit(50), null);
  assert.ok(a.tryAdmit(40));
  assert.equal(a.bytes, 100);
});

test('limiter runs at most `concurrency` tasks, in arrival order, and survives failures', async () => {
  const l = new Limiter(2);
  let running = 0;
  let peak = 0;
  const order: number[] = [];
  const gates: Array<() => void> = [];
  const tasks = Array.from({ length: 6 }, (_, i) => l.run(async () => {
    running += 1;
    peak = Math.max(peak, running);
    order.push(i);
    await new Promise<void>((r) => gates.push(r));
    running -= 1;
    if (i === 1) throw new Error('boom');
    return i;
  }));
  const settled = Promise.allSettled(tasks);
  while (order.length < 6) {
    await new Promise((r) => setImmediate(r));
    assert.ok(l.running <= 2);
    gates.shift()?.();
  }
  for (const g of gates) g();
  const results = await settled;
  assert.equal(peak, 2);
  assert.deepEqual(order, [0, 1, 2, 3, 4, 5]);
  assert.equal(results[1]!.status, 'rejected');
  assert.equal(results.filter((r) => r.status === 'fulfilled').length, 5);
  assert.equal(l.running, 0);
  assert.equal(l.waiting, 0);
});

test('limiter rejects a non-positive concurrency', () => {
  assert.throws(() => new Limiter(0), /positive integer/);
});
