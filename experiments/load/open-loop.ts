/**
 * An open job in this process: every request of the schedule is sent at its
 * time, whether or not earlier ones were answered (an open system: the load
 * does not slow down when the service does), each timed from its own send.
 * After the last arrival the job waits for the answers still out, each
 * bounded by the timeout, so no slow request is censored.
 */
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import type { ErrorKind } from '../contracts/domain.js';
import { openSchedule, type Arrival } from './open-schedule.js';
import type { OpenLoadJob, OpenLoadResult, OpenRequest } from './protocol/schema.js';
import type { RunJobOptions } from './run-job.js';
import { measureRtt } from './send.js';
import { parseServerTiming } from './server-timing.js';

export const WORK_PATH = '/api/work';

interface Answer {
  status: number;
  error?: ErrorKind;
  headers: http.IncomingHttpHeaders;
}

/** Whether a work answer is the contract's: 2xx, JSON, the id sent. */
export function checkWorkAnswer(status: number, body: string, id: string): ErrorKind | null {
  if (status < 200 || status > 299) return 'status';
  try {
    const parsed = JSON.parse(body) as { id?: unknown; units?: unknown };
    if (typeof parsed.units !== 'number') return 'body';
    return parsed.id === id ? null : 'id-mismatch';
  } catch {
    return 'body';
  }
}

function post(url: URL, agent: http.Agent, units: number, timeoutMs: number, signal: AbortSignal): Promise<Answer | null> {
  const id = randomUUID();
  const body = JSON.stringify({ id, units });
  return new Promise((resolve) => {
    let timedOut = false;
    const fail = () => resolve(signal.aborted ? null : { status: 0, error: timedOut ? 'timeout' : 'connection', headers: {} });
    const req = http.request(
      { host: url.hostname, port: url.port || 80, path: WORK_PATH, method: 'POST', agent, signal, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', fail);
        res.on('end', () => {
          clearTimeout(timer);
          const error = checkWorkAnswer(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'), id);
          resolve({ status: res.statusCode ?? 0, ...(error ? { error } : {}), headers: res.headers });
        });
      },
    );
    const timer = setTimeout(() => {
      timedOut = true;
      req.destroy();
    }, timeoutMs);
    req.on('error', () => {
      clearTimeout(timer);
      fail();
    });
    req.end(body);
  });
}

/** The record of one answered (or failed) request: the client's times and the answer's Server-Timing durations. */
export function requestRecord(arrival: Arrival, sendMs: number, endMs: number, answer: Answer): OpenRequest {
  const t = parseServerTiming(answer.headers['server-timing']);
  const servedBy = answer.headers['x-served-by'];
  const opt = (key: keyof OpenRequest, v: number | undefined) => (v === undefined ? {} : { [key]: Math.max(0, v) });
  return {
    units: arrival.units,
    sendMs,
    lagMs: Math.max(0, sendMs - arrival.atMs),
    endMs,
    status: answer.status,
    ...(answer.error ? { error: answer.error } : {}),
    ...(typeof servedBy === 'string' ? { replica: servedBy } : {}),
    ...opt('lbQueueMs', t['lb-queue']),
    ...opt('queueMs', t.queue),
    ...opt('workMs', t.work),
    ...opt('replicaMs', t.total),
    warmup: arrival.warmup,
  };
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (ms <= 0 || signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

export async function runOpenJob(job: OpenLoadJob, opts: RunJobOptions = {}): Promise<OpenLoadResult> {
  const signal = opts.signal ?? new AbortController().signal;
  const url = new URL(job.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
  const rttMs = await measureRtt(url, agent);
  const schedule = openSchedule(job);
  const records: OpenRequest[] = [];
  const pending = new Set<Promise<void>>();
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  const now = () => performance.now() - start;
  let done = 0;
  let errors = 0;
  let lastReport = 0;
  const report = () => {
    const t = now() / 1000;
    if (t - lastReport < 1) return;
    lastReport = t;
    opts.onProgress?.({ type: 'progress', users: pending.size, qps: done / Math.max(t, 1e-3), errors, t });
  };
  try {
    for (const arrival of schedule) {
      await sleep(arrival.atMs - now(), signal);
      if (signal.aborted) break;
      const sendMs = now();
      const sent = post(url, agent, arrival.units, job.timeoutMs, signal).then((answer) => {
        if (answer === null) return;
        records.push(requestRecord(arrival, sendMs, now(), answer));
        done += 1;
        if (answer.error) errors += 1;
      });
      pending.add(sent);
      void sent.finally(() => pending.delete(sent));
      report();
    }
    await Promise.all(pending);
  } finally {
    agent.destroy();
  }
  const durationS = now() / 1000;
  const cpu = process.cpuUsage(cpuStart);
  records.sort((a, b) => a.sendMs - b.sendMs);
  return {
    kind: 'open',
    durationS,
    requests: records,
    loadGenCpu: durationS > 0 ? (cpu.user + cpu.system) / 1e6 / durationS : 0,
    aborted: signal.aborted,
    ...(rttMs !== undefined ? { rttMs } : {}),
  };
}
