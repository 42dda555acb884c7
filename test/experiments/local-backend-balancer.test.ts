import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createBalancer, type Balancer } from '../../experiments/deploy/local/balancer-proxy.js';
import { balancerSpec, type BalancerSpec, type EarlyPolicy } from '../../experiments/contracts/deployment.js';
import { parseServerTiming } from '../../experiments/load/server-timing.js';

const servers: http.Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

/** Polls `ok` every 10 ms; fails the test after 5 s instead of hanging. */
async function until(what: string, ok: () => boolean): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (ok()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.fail(`timed out waiting for ${what}`);
}

async function listen(server: http.Server): Promise<string> {
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** An upstream that names itself; a request with ?hold waits until release() is called. */
function upstream(name: string) {
  const held: (() => void)[] = [];
  const cut = { count: 0 };
  const server = http.createServer((req, res) => {
    const answer = () => res.writeHead(200, { 'x-served-by': name }).end(name);
    res.on('close', () => {
      if (!res.writableFinished) cut.count++;
    });
    if (req.url?.includes('hold')) held.push(answer);
    else answer();
  });
  return { server, release: () => held.splice(0).forEach((f) => f()), held, cut };
}

async function setUp(strategy: EarlyPolicy | BalancerSpec, names: string[]) {
  const ups = names.map(upstream);
  const urls = await Promise.all(ups.map((u) => listen(u.server)));
  const balancer: Balancer = createBalancer(typeof strategy === 'string' ? { policy: strategy } : strategy);
  const url = await listen(balancer.server);
  balancer.setPool(names.map((name, i) => ({ name, url: urls[i]! })));
  return { ups, urls, balancer, url };
}

async function get(url: string): Promise<{ status: number; by: string | null; timing: Record<string, number> }> {
  const res = await fetch(url);
  await res.arrayBuffer();
  return { status: res.status, by: res.headers.get('x-served-by'), timing: parseServerTiming(res.headers.get('server-timing') ?? '') };
}

test('random spreads requests over every replica', async () => {
  const { url } = await setUp('random', ['a', 'b']);
  const seen = new Set<string | null>();
  for (let i = 0; i < 40; i++) seen.add((await get(`${url}/x`)).by);
  assert.deepEqual([...seen].sort(), ['a', 'b']);
});

test('least-connections avoids the replica that is busy', async () => {
  const { ups, url } = await setUp('least-connections', ['a', 'b']);
  const slow = get(`${url}/hold`);
  await until('the held request', () => ups[0]!.held.length + ups[1]!.held.length > 0);
  const busy = ups[0]!.held.length ? 'a' : 'b';
  const answers = [];
  for (let i = 0; i < 4; i++) answers.push((await get(`${url}/x`)).by);
  assert.ok(answers.every((a) => a !== busy), answers.join(','));
  ups.forEach((u) => u.release());
  assert.equal((await slow).status, 200);
});

test('a replica taken out of the pool finishes its in-flight request before drain resolves', async () => {
  const { ups, urls, balancer, url } = await setUp('round-robin', ['a', 'b']);
  const slow = get(`${url}/hold`); // round-robin: goes to a
  await until('the held request', () => ups[0]!.held.length > 0);
  balancer.setPool([{ name: 'b', url: urls[1]! }]);
  let drained = false;
  const drain = balancer.drain('a', 10_000).then(() => (drained = true));
  assert.equal((await get(`${url}/x`)).by, 'b');
  assert.equal(drained, false);
  ups[0]!.release();
  assert.deepEqual((({ status, by }) => ({ status, by }))(await slow), { status: 200, by: 'a' });
  await drain;
  assert.equal(balancer.stats().a!.inFlight, 0);
});

test('no ready replica answers 503, an unreachable one 502', async () => {
  const { balancer, url } = await setUp('round-robin', []);
  assert.equal((await get(`${url}/x`)).status, 503);
  balancer.setPool([{ name: 'gone', url: 'http://127.0.0.1:1' }]);
  assert.equal((await get(`${url}/x`)).status, 502);
});

test('the balancer answers its own ping and sink paths', async () => {
  const { url } = await setUp('round-robin', ['a']);
  assert.equal((await get(`${url}/_lb/ping`)).by, null);
  const res = await fetch(`${url}/_lb/sink`, { method: 'POST', body: Buffer.alloc(12345) });
  assert.deepEqual(await res.json(), { bytes: 12345 });
});

test('a client that gives up also closes the request to the replica', async () => {
  const { ups, balancer, url } = await setUp('round-robin', ['a']);
  const controller = new AbortController();
  const pending = fetch(`${url}/hold`, { signal: controller.signal }).catch((err: Error) => err);
  await until('the held request', () => ups[0]!.held.length > 0);
  controller.abort();
  assert.ok((await pending) instanceof Error);
  await until('the replica connection to close', () => ups[0]!.cut.count > 0);
  assert.equal(balancer.stats().a!.inFlight, 0);
});

test('late binding holds a request in the balancer until a replica is free, and says how long in Server-Timing', async () => {
  const { ups, balancer, url } = await setUp(balancerSpec('late-binding'), ['a', 'b']);
  const held = [get(`${url}/hold`), get(`${url}/hold`)];
  await until('both replicas busy', () => ups[0]!.held.length === 1 && ups[1]!.held.length === 1);
  const waiting = get(`${url}/x`);
  await new Promise((r) => setTimeout(r, 50));
  // the third request is in neither replica: it waits for a slot
  assert.deepEqual([balancer.stats().a!.inFlight, balancer.stats().b!.inFlight], [1, 1]);
  ups[1]!.release();
  const third = await waiting;
  assert.equal(third.by, 'b');
  assert.ok(third.timing['lb-queue']! >= 40, `lb-queue ${third.timing['lb-queue']} ms`);
  ups[0]!.release();
  for (const h of await Promise.all(held)) assert.equal(h.status, 200);
});

test('an early policy binds at once: the request waits at its replica, not in the balancer', async () => {
  const { ups, url } = await setUp('round-robin', ['a']);
  const held = get(`${url}/hold`);
  await until('the held request', () => ups[0]!.held.length === 1);
  const second = get(`${url}/hold`);
  await until('the second request at the same replica', () => ups[0]!.held.length === 2);
  ups[0]!.release();
  const answers = await Promise.all([held, second]);
  // lb-queue is the turn of the event loop it took to pick, not the second request's wait at the replica
  for (const a of answers) assert.ok(a.timing['lb-queue']! < 20, `lb-queue ${a.timing['lb-queue']} ms`);
});

test('the central queue answers 503 beyond its bound and 504 after its wait timeout, with JSON reasons', async () => {
  const full = await setUp(balancerSpec('late-binding', { queueBound: 0 }), ['a']);
  const held = get(`${full.url}/hold`);
  await until('the held request', () => full.ups[0]!.held.length === 1);
  const refused = await fetch(`${full.url}/x`);
  assert.equal(refused.status, 503);
  assert.match(((await refused.json()) as { error: string }).error, /central queue full/);
  full.ups[0]!.release();
  await held;

  const slow = await setUp(balancerSpec('late-binding', { waitTimeoutMs: 50 }), ['a']);
  const busy = get(`${slow.url}/hold`);
  await until('the held request', () => slow.ups[0]!.held.length === 1);
  const late = await get(`${slow.url}/x`);
  assert.equal(late.status, 504);
  // a timer may fire a millisecond early against performance.now()
  assert.ok(late.timing['lb-queue']! >= 48, `lb-queue ${late.timing['lb-queue']} ms`);
  slow.ups[0]!.release();
  await busy;
});

test('a policy switch applies from the next request on', async () => {
  const { ups, balancer, url } = await setUp('round-robin', ['a']);
  balancer.setBalancer(balancerSpec('late-binding'));
  const held = get(`${url}/hold`);
  await until('the held request', () => ups[0]!.held.length === 1);
  const next = get(`${url}/hold`);
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(ups[0]!.held.length, 1, 'late binding keeps the second request in the balancer');
  ups[0]!.release();
  await held;
  await until('the second request at the replica', () => ups[0]!.held.length === 1);
  ups[0]!.release();
  assert.equal((await next).status, 200);
});
