/**
 * The bounded queue and the graceful drain, in-process with a model whose
 * inference waits for the test to open a gate, so "in flight" and "queued"
 * are exact states rather than timing guesses.
 */
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { drain } from '../../service/shutdown.js';
import { gatedDetector, postJson, squareRequest, startApp, until, type Running } from '../helpers/service.js';

let running: Running[] = [];
afterEach(async () => {
  await Promise.all(running.map((r) => r.close()));
  running = [];
});



test('queue full → 503 with Retry-After; the admitted requests all finish with 200', async () => {
  const gate = gatedDetector();
  const app = await startApp(gate.detector, { concurrency: 1, queueLength: 2, retryAfterS: 3 });
  running.push(app);
  const admitted = ['q0', 'q1', 'q2'].map(async (id) => postJson(`${app.url}/api/object_detection`, await squareRequest(id)));
  await until('one running and two queued', () => gate.started() === 1 && app.service.admission.admitted === 3 && app.service.limiter.waiting === 2);

  const metrics = await (await fetch(`${app.url}/metrics`)).text();
  assert.match(metrics, /http_requests_in_flight 3/);
  assert.match(metrics, /http_requests_queued 2/);

  const refused = await postJson(`${app.url}/api/object_detection`, await squareRequest('q3'));
  assert.equal(refused.status, 503);
  assert.equal(refused.headers.get('retry-after'), '3');
  assert.equal(((await refused.json()) as { error: { code: string } }).error.code, 'overloaded');

  gate.open();
  const responses = await Promise.all(admitted);
  assert.deepEqual(responses.map((r) => r.status), [200, 200, 200]);
  assert.deepEqual(await Promise.all(responses.map(async (r) => ((await r.json()) as { id: string }).id)), ['q0', 'q1', 'q2']);
  assert.equal(app.service.admission.admitted, 0);
});

test('byte budget: a second large body is refused while the first is held', async () => {
  const gate = gatedDetector();
  const first = await squareRequest('big-1');
  const app = await startApp(gate.detector, { concurrency: 1, queueLength: 10, maxQueuedBytes: first.length + 100 });
  running.push(app);
  const pending = postJson(`${app.url}/api/object_detection`, first);
  await until('the first request to run', () => gate.started() === 1);
  const refused = await postJson(`${app.url}/api/object_detection`, await squareRequest('big-2'));
  assert.equal(refused.status, 503);
  gate.open();
  assert.equal((await pending).status, 200);
});

test('drain: new connections are refused, in-flight requests finish, drain reports clean', async () => {
  const gate = gatedDetector();
  const app = await startApp(gate.detector, { concurrency: 1, queueLength: 4 });
  running.push(app);
  const inFlight = ['d0', 'd1'].map(async (id) => postJson(`${app.url}/api/object_detection`, await squareRequest(id)));
  await until('both requests admitted', () => gate.started() === 1 && app.service.admission.admitted === 2);

  const drained = drain(app.server, 10_000, () => app.service.startDraining());
  await assert.rejects(fetch(`${app.url}/healthz`), 'a new connection after drain started must be refused');

  gate.open();
  const statuses = await Promise.all(inFlight.map(async (p) => (await p).status));
  assert.deepEqual(statuses, [200, 200]);
  const result = await drained;
  assert.equal(result.clean, true);
});

test('drain: a request still running when the grace period ends is cut off, and drain says so', async () => {
  const gate = gatedDetector();
  const app = await startApp(gate.detector, { concurrency: 1, queueLength: 1 });
  running.push(app);
  const stuck = postJson(`${app.url}/api/object_detection`, await squareRequest('stuck'));
  const stuckOutcome = stuck.then((r) => r.status, () => 'connection closed');
  await until('the request to run', () => gate.started() === 1);
  const result = await drain(app.server, 100, () => app.service.startDraining());
  assert.equal(result.clean, false);
  assert.equal(await stuckOutcome, 'connection closed');
  gate.open();
});

test('above the memory high-water mark new image requests get 503, probes still answer', async () => {
  const gate = gatedDetector();
  gate.open();
  const app = await startApp(gate.detector, { memoryHighWaterBytes: 1 });
  running.push(app);
  const res = await postJson(`${app.url}/api/object_detection`, await squareRequest('mem'));
  assert.equal(res.status, 503);
  assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'overloaded');
  assert.equal((await fetch(`${app.url}/healthz`)).status, 200);
});
