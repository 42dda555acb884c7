import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { createWanProxy } from '../../experiments/deploy/local/wan-proxy.js';
import { ip } from '../../experiments/deploy/local/netns.js';
import type { Backend } from '../../experiments/deploy/backend.js';
import { isRoot, leftovers, testRun } from '../helpers/local-options.js';

const cleanups: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function listen(server: net.Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(() => new Promise((r) => server.close(r)));
  return (server.address() as net.AddressInfo).port;
}

/** Round trips of one byte on one connection, after the connection is set up. */
async function echoRoundTrips(port: number, n: number): Promise<number[]> {
  const socket = net.connect(port, '127.0.0.1');
  socket.setNoDelay(true);
  await once(socket, 'connect');
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    socket.write('x');
    await once(socket, 'data');
    times.push(performance.now() - t0);
  }
  socket.destroy();
  return times;
}

test('the WAN proxy adds the configured round-trip delay and limits bandwidth', async () => {
  const echo = net.createServer((s) => s.pipe(s));
  const echoPort = await listen(echo);
  const proxyPort = await listen(createWanProxy({ host: '127.0.0.1', port: echoPort }, { rttMs: 50, jitterMs: 0, bandwidthMbit: 20 }));

  const direct = Math.min(...(await echoRoundTrips(echoPort, 5)));
  const viaProxy = await echoRoundTrips(proxyPort, 6);
  const steady = Math.min(...viaProxy.slice(1));
  assert.ok(direct < 20, `direct RTT ${direct} ms`);
  assert.ok(steady >= 48 && steady < 50 + 60, `RTT through the proxy ${steady.toFixed(1)} ms, configured 50`);
  assert.ok(viaProxy[0]! >= steady, 'the first exchange also pays the emulated handshake');

  // 1 MB each way at 20 Mbit/s takes at least 400 ms per direction on top of the RTT
  const socket = net.connect(proxyPort, '127.0.0.1');
  await once(socket, 'connect');
  const payload = Buffer.alloc(1024 * 1024, 7);
  const t0 = performance.now();
  let received = 0;
  const done = new Promise<void>((resolve) => socket.on('data', (c: Buffer) => {
    received += c.length;
    if (received >= payload.length) resolve();
  }));
  socket.write(payload);
  await done;
  const ms = performance.now() - t0;
  socket.destroy();
  const oneWayMs = (payload.length * 8) / (20 * 1000);
  assert.ok(ms >= oneWayMs, `1 MiB echoed in ${ms.toFixed(0)} ms, the link alone needs ${oneWayMs.toFixed(0)} ms`);
});

test('the WAN proxy keeps the byte stream intact under jitter', async () => {
  const echo = net.createServer((s) => s.pipe(s));
  const echoPort = await listen(echo);
  const proxyPort = await listen(createWanProxy({ host: '127.0.0.1', port: echoPort }, { rttMs: 20, jitterMs: 10, bandwidthMbit: 0 }));
  const socket = net.connect(proxyPort, '127.0.0.1');
  socket.setNoDelay(true);
  await once(socket, 'connect');
  const sent: Buffer[] = [];
  const received: Buffer[] = [];
  socket.on('data', (c: Buffer) => received.push(c));
  for (let i = 0; i < 300; i++) {
    const chunk = Buffer.from(`${i},`);
    sent.push(chunk);
    socket.write(chunk);
    // a turn of the event loop between writes, so they travel as separate chunks with separate jitter
    await new Promise((r) => setImmediate(r));
  }
  const expected = Buffer.concat(sent);
  for (let i = 0; i < 100 && Buffer.concat(received).length < expected.length; i++) await sleep(20);
  socket.destroy();
  assert.equal(Buffer.concat(received).toString(), expected.toString());
});

async function started(overrides: Parameters<typeof testRun>[0]) {
  const run = testRun(overrides);
  const backend: Backend = await run.start();
  cleanups.push(async () => {
    await backend.down();
    assert.deepEqual(await leftovers(run.tag), []);
  });
  await backend.deploy(run.spec(2));
  return { run, backend };
}

test('the remote location measures the emulated path, the cluster location does not pay it', async () => {
  const { backend } = await started({ wan: { rttMs: 60, jitterMs: 0, bandwidthMbit: 50 } });
  const cluster = await backend.endpoint('cluster');
  const remote = await backend.endpoint('remote');
  assert.ok(cluster.measured && remote.measured);
  assert.ok(cluster.measured.rttMs < 30, `cluster RTT ${cluster.measured.rttMs}`);
  assert.ok(remote.measured.rttMs >= 58 && remote.measured.rttMs < 60 + 80, `remote RTT ${remote.measured.rttMs}`);
  assert.ok(remote.measured.bandwidthMbit !== null && remote.measured.bandwidthMbit <= 55, `remote bandwidth ${remote.measured.bandwidthMbit}`);
  assert.equal(remote.bandwidthMbit, 50);
  assert.equal(cluster.bandwidthMbit, null);
  assert.match(remote.description, isRoot ? /network namespace cdr-/ : /loopback/);
  assert.notEqual(remote.url, cluster.url);
});

test('the remote executor runs the worker in the namespace, through the WAN', { skip: isRoot ? false : 'network namespaces need root' }, async () => {
  const { run, backend } = await started({ wan: { rttMs: 40, jitterMs: 0, bandwidthMbit: 100 } });
  const executor = await backend.executor('remote');
  const pending = executor.run({
    kind: 'closed', task: 'detection', url: '', imagesDir: '/nonexistent', levels: [4, 4], holdS: 1,
    thinkS: [0, 0], timeoutMs: 5000, stopOnFailure: true, seed: 1,
  });
  let insideNamespace = '';
  for (let i = 0; i < 100 && !insideNamespace; i++) {
    insideNamespace = (await ip('netns', 'pids', `cdr-${run.tag}`).catch(() => '')).trim();
    await sleep(50);
  }
  const result = await pending;
  assert.ok(insideNamespace, 'no process ran inside the namespace');
  assert.deepEqual(result.steps.map((s) => s.successes), [4, 4]);
  // every request crosses the emulated WAN once there and once back
  assert.ok(result.steps[1]!.latencyMs.p50 >= 38, `p50 ${result.steps[1]!.latencyMs.p50} ms with a 40 ms RTT`);
  assert.equal(Object.keys(result.steps[1]!.perReplica).length, 2);
});

test('remoteMode loopback runs the WAN proxy on loopback', async () => {
  const { backend } = await started({ remoteMode: 'loopback', wan: { rttMs: 30, jitterMs: 0, bandwidthMbit: 0 } });
  const remote = await backend.endpoint('remote');
  assert.match(remote.url, /^http:\/\/127\.0\.0\.1:/);
  assert.match(remote.description, /loopback/);
  assert.equal(remote.bandwidthMbit, null);
  assert.ok(remote.measured!.rttMs >= 28, `RTT ${remote.measured!.rttMs}`);
});
