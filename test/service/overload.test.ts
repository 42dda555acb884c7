/**
 * Overload control, in-process with a model whose inference waits for the
 * test to open a gate: the refusal fast path (same answer as before, no
 * Express), per-connection pacing of clients that ignore Retry-After, and
 * the queue-time limit for admitted requests.
 */
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { rawPost, RawConnection } from '../../bench/lib/raw-request.js';
import { gatedDetector, postJson, squareRequest, startApp, until, type Running } from '../helpers/service.js';

const ROUTE = '/api/object_detection';
let running: Running[] = [];
let connections: RawConnection[] = [];
afterEach(async () => {
  for (const c of connections.splice(0)) c.close();
  await Promise.all(running.splice(0).map((r) => r.close()));
});



/** An app whose one processing slot is taken by a gated request, and whose queue holds nothing more. */
async function fullApp(opts: { queueTimeoutMs?: number; queueLength?: number } = {}) {
  const gate = gatedDetector();
  const app = await startApp(gate.detector, { concurrency: 1, queueLength: opts.queueLength ?? 0, queueTimeoutMs: opts.queueTimeoutMs });
  running.push(app);
  const first = postJson(`${app.url}${ROUTE}`, await squareRequest('first'));
  await until('the first request to run', () => gate.started() === 1);
  return { app, gate, first };
}

async function connection(app: Running): Promise<RawConnection> {
  const c = await RawConnection.open(app.url);
  connections.push(c);
  return c;
}

test('a refusal is answered before Express with the catalog body and headers, counted in the metrics and logged', async () => {
  const { app, gate, first } = await fullApp();
  const refused = await postJson(`${app.url}${ROUTE}?from=test`, await squareRequest('late'));
  assert.equal(refused.status, 503);
  assert.equal(refused.headers.get('retry-after'), '1');
  assert.equal(refused.headers.get('x-served-by'), 'test-replica');
  assert.match(refused.headers.get('server-timing') ?? '', /^total;dur=[\d.]+$/);
  assert.match(refused.headers.get('content-type') ?? '', /application\/json/);
  assert.deepEqual(await refused.json(), { error: { code: 'overloaded', message: 'server is busy, retry later' } });
  const metrics = await (await fetch(`${app.url}/metrics`)).text();
  assert.match(metrics, /http_requests_total\{route="\/api\/object_detection",method="POST",status="503"\} 1/);
  assert.match(metrics, /http_request_duration_seconds_count\{route="\/api\/object_detection"\} 1/);
  assert.ok(app.log.lines().some((l) => l.status === 503 && l.error === 'overloaded' && l.route === ROUTE));
  gate.open();
  assert.equal((await first).status, 200);
});

test('a spelling of the route only Express recognises is refused by the same rule', async () => {
  const { app, gate, first } = await fullApp();
  for (const path of ['/api/object_detection/', '/API/Object_Detection']) {
    const refused = await postJson(`${app.url}${path}`, await squareRequest('odd'));
    assert.equal(refused.status, 503, path);
    assert.equal(refused.headers.get('retry-after'), '1');
    assert.equal(((await refused.json()) as { error: { code: string } }).error.code, 'overloaded');
  }
  gate.open();
  assert.equal((await first).status, 200);
  assert.equal(app.service.admission.admitted, 0);
});

test('a connection that retries before Retry-After is held to it, with Retry-After doubling; other connections are answered at once', async () => {
  const { app, gate, first } = await fullApp();
  const request = rawPost(ROUTE, { 'Content-Type': 'application/json' }, await squareRequest('storm'));
  const eager = await connection(app);
  const answers = [];
  for (let i = 0; i < 3; i++) answers.push(await eager.send(request));
  assert.deepEqual(answers.map((a) => a.status), [503, 503, 503]);
  assert.deepEqual(answers.map((a) => a.headers['retry-after']), ['1', '2', '4']);
  assert.ok(answers[0]!.ms < 500, `the first refusal is immediate, took ${answers[0]!.ms} ms`);
  assert.ok(answers[1]!.ms >= 900 && answers[2]!.ms >= 1900, `held to 1 s then 2 s: ${answers.map((a) => Math.round(a.ms)).join(', ')} ms`);
  for (const a of answers) assert.equal((JSON.parse(a.body) as { error: { code: string } }).error.code, 'overloaded');

  const other = await connection(app);
  const fresh = await other.send(request);
  assert.equal(fresh.status, 503);
  assert.ok(fresh.ms < 500, `a new connection is answered at once, took ${fresh.ms} ms`);

  gate.open();
  assert.equal((await first).status, 200);
  await until('the slot to free', () => app.service.admission.admitted === 0);
  const admitted = await eager.send(request);
  assert.equal(admitted.status, 200, 'a held connection is served once there is room');
  const after = await eager.send(request);
  assert.equal(after.status, 200);
});

test('a held refusal whose client goes away costs nothing more and the app keeps serving', async () => {
  const { app, gate, first } = await fullApp();
  const request = rawPost(ROUTE, { 'Content-Type': 'application/json' }, await squareRequest('gone'));
  const eager = await connection(app);
  assert.equal((await eager.send(request)).status, 503);
  const pending = eager.send(request);
  await new Promise((r) => setTimeout(r, 100));
  eager.close();
  await pending;
  gate.open();
  assert.equal((await first).status, 200);
  assert.equal((await postJson(`${app.url}${ROUTE}`, await squareRequest('next'))).status, 200);
});

test('an admitted request that waited longer than the queue-time limit gets 503 without being processed', async () => {
  const { app, gate, first } = await fullApp({ queueTimeoutMs: 150, queueLength: 1 });
  const waiting = postJson(`${app.url}${ROUTE}`, await squareRequest('waiter'));
  await until('the second request to queue', () => app.service.limiter.waiting === 1);
  await new Promise((r) => setTimeout(r, 250));
  gate.open();
  assert.equal((await first).status, 200);
  const res = await waiting;
  assert.equal(res.status, 503);
  assert.equal(res.headers.get('retry-after'), '1');
  const err = (await res.json()) as { id?: string; error: { code: string; message: string } };
  assert.equal(err.error.code, 'overloaded');
  assert.equal(err.id, 'waiter');
  assert.match(err.error.message, /waited \d+ ms for a processing slot, more than the 150 ms allowed/);
  assert.equal(gate.started(), 1, 'the expired request never reached the model');
});
