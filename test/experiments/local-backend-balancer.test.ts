import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createBalancer, type Balancer } from '../../experiments/deploy/local/balancer-proxy.js';
import type { BalancerPolicy } from '../../experiments/contracts/deployment.js';

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

async function setUp(strategy: BalancerPolicy, names: string[]) {
  const ups = names.map(upstream);
  const urls = await Promise.all(ups.map((u) => listen(u.server)));
  const balancer: Balancer = createBalancer(strategy);
  const url = await listen(balancer.server);
  balancer.setPool(names.map((name, i) => ({ name, url: urls[i]! })));
  return { ups, urls, balancer, url };
}

async function get(url: string): Promise<{ status: number; by: string | null }> {
  const res = await fetch(url);
  await res.arrayBuffer();
  return { status: res.status, by: res.headers.get('x-served-by') };
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
  assert.deepEqual(await slow, { status: 200, by: 'a' });
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
