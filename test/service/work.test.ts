/**
 * The binding study's work route: off unless WORK_UNIT_MS is set, strict
 * about its body, bounded per request, behind the same admission as the
 * detection route, and doing real CPU work (not a sleep) that stops when
 * the client leaves.
 */
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { ConfigError } from '../../service/config.js';
import { loadWorkConfig, workTask, WORK_ROUTE } from '../../service/routes/work.js';
import { burnCpu } from '../../service/work.js';
import { parseServerTiming } from '../../experiments/load/server-timing.js';
import { postJson, redSquareDetector, startApp, type Running } from '../helpers/service.js';

let running: Running[] = [];
afterEach(async () => {
  await Promise.all(running.map((r) => r.close()));
  running = [];
});

async function appWith(env: NodeJS.ProcessEnv, opts = {}): Promise<Running> {
  const task = workTask(env);
  const app = await startApp(redSquareDetector(), opts, task ? [task] : []);
  running.push(app);
  return app;
}

test('the work route is off by default: 404, and no WORK_* setting turns it on but WORK_UNIT_MS', async () => {
  assert.equal(loadWorkConfig({}), undefined);
  assert.equal(loadWorkConfig({ WORK_MAX_UNITS: '5' }), undefined);
  const app = await appWith({});
  const res = await postJson(`${app.url}${WORK_ROUTE}`, { id: 'a', units: 1 });
  assert.equal(res.status, 404);
});

test('bad settings are configuration errors, and no request may cost over 60 s of CPU', () => {
  assert.throws(() => loadWorkConfig({ WORK_UNIT_MS: '-1' }), ConfigError);
  assert.throws(() => loadWorkConfig({ WORK_UNIT_MS: 'abc' }), ConfigError);
  assert.throws(() => loadWorkConfig({ WORK_UNIT_MS: '10', WORK_MAX_UNITS: '10000' }), /must not exceed 60000 ms/);
  assert.deepEqual(loadWorkConfig({ WORK_UNIT_MS: '0.5', WORK_MAX_UNITS: '100' }), { unitMs: 0.5, maxUnits: 100 });
});

test('a request burns its units of CPU and says so in Server-Timing and its body', async () => {
  const app = await appWith({ WORK_UNIT_MS: '1', WORK_MAX_UNITS: '200' });
  const cpuBefore = process.cpuUsage();
  const res = await postJson(`${app.url}${WORK_ROUTE}`, { id: 'job-1', units: 40 });
  const cpu = process.cpuUsage(cpuBefore);
  assert.equal(res.status, 200);
  const body = (await res.json()) as { id: string; units: number; cpuMs: number; checksum: number };
  assert.equal(body.id, 'job-1');
  assert.equal(body.units, 40);
  assert.ok(body.cpuMs >= 40 && body.cpuMs < 45, `used ${body.cpuMs} ms of CPU for 40 units of 1 ms`);
  // the process's own CPU clock agrees: this is work, not a sleep
  assert.ok((cpu.user + cpu.system) / 1000 >= 40, 'the process spent the CPU');
  const timing = parseServerTiming(res.headers.get('server-timing') ?? '');
  // the budget is the process's CPU, every thread's (as the cgroup counts it): GC threads can make the wall time a little shorter
  assert.ok(timing.work! > 0, `work stage ${timing.work} ms`);
  assert.ok(timing.queue !== undefined && timing.total! >= timing.work!);
});

test('the body is checked field by field, with the catalogue\'s errors', async () => {
  const app = await appWith({ WORK_UNIT_MS: '0.01', WORK_MAX_UNITS: '100' });
  const cases: Array<[unknown, number, string]> = [
    [{ id: 'a', units: 0 }, 400, 'invalid_field'],
    [{ id: 'a', units: 101 }, 400, 'invalid_field'],
    [{ id: 'a', units: 1.5 }, 400, 'invalid_field'],
    [{ id: 'a', units: '3' }, 400, 'invalid_field'],
    [{ id: 'a', units: 3, extra: true }, 400, 'invalid_field'],
    [{ units: 3 }, 400, 'missing_field'],
    [[1, 2], 400, 'invalid_request'],
    ['{"id": "a", "units": ', 400, 'malformed_json'],
    [{ id: 'x'.repeat(2000), units: 1 }, 413, 'body_too_large'],
  ];
  for (const [body, status, code] of cases) {
    const res = await postJson(`${app.url}${WORK_ROUTE}`, body);
    const json = (await res.json()) as { error: { code: string } };
    assert.equal(res.status, status, JSON.stringify(body).slice(0, 60));
    assert.equal(json.error.code, code);
  }
  assert.equal((await fetch(`${app.url}${WORK_ROUTE}`)).status, 405);
});

test('work requests share the detection route\'s admission: beyond the slots and the queue, 503', async () => {
  const app = await appWith({ WORK_UNIT_MS: '5', WORK_MAX_UNITS: '100' }, { concurrency: 1, queueLength: 1 });
  const answers = await Promise.all(Array.from({ length: 4 }, (_, i) => postJson(`${app.url}${WORK_ROUTE}`, { id: `w${i}`, units: 20 })));
  const statuses = answers.map((r) => r.status).sort();
  assert.deepEqual(statuses, [200, 200, 503, 503]);
  const refused = answers.find((r) => r.status === 503)!;
  assert.equal(((await refused.json()) as { error: { code: string } }).error.code, 'overloaded');
});

test('the work stops when the client stops waiting', async () => {
  let checks = 0;
  const done = await burnCpu(5000, () => ++checks >= 3);
  assert.equal(done.stopped, true);
  assert.ok(done.cpuMs < 100, `stopped after ${done.cpuMs} ms of CPU, not 5000`);
});

test('a client that leaves mid-work frees the replica: its work ends long before its budget', async () => {
  const app = await appWith({ WORK_UNIT_MS: '1', WORK_MAX_UNITS: '5000' });
  const gone = new AbortController();
  const cut = postJson(`${app.url}${WORK_ROUTE}`, { id: 'long', units: 3000 }, { signal: gone.signal }).catch(() => 'aborted');
  setTimeout(() => gone.abort(), 100);
  assert.equal(await cut, 'aborted');
  // the next request waits for the only slot: for the rest of a 3 s budget, had the abandoned work gone on
  const next = await postJson(`${app.url}${WORK_ROUTE}`, { id: 'next', units: 1 });
  assert.equal(next.status, 200);
  const queued = parseServerTiming(next.headers.get('server-timing') ?? '').queue!;
  assert.ok(queued < 2500, `the next request queued ${queued} ms behind the abandoned one`);
});
