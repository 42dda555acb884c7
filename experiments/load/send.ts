/**
 * One request of one user: POST {id, image} and classify the outcome. Raw
 * node:http with a keep-alive agent, so each in-flight user holds one socket
 * as a browser-like client would, and the timeout covers the whole exchange.
 */
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import type { ErrorKind, Task } from '../contracts/domain.js';
import { checkResponse, ENDPOINTS } from './check-response.js';

export interface Outcome {
  latencyMs: number;
  /** request body bytes */
  bytes: number;
  error?: ErrorKind;
  servedBy?: string;
}

export interface Target {
  task: Task;
  url: URL;
  agent: http.Agent;
  timeoutMs: number;
}

const OPEN = Buffer.from('{"id":"');
const MIDDLE = Buffer.from('","image":"');
const CLOSE = Buffer.from('"}');

/** Resolves with the outcome, or with null when `signal` aborted the request (the job is stopping, nothing to record). */
export function sendOne(target: Target, imageBase64: Buffer, signal: AbortSignal): Promise<Outcome | null> {
  const id = randomUUID();
  const body = Buffer.concat([OPEN, Buffer.from(id), MIDDLE, imageBase64, CLOSE]);
  const started = performance.now();
  return new Promise((resolve) => {
    let timedOut = false;
    const finish = (outcome: Omit<Outcome, 'latencyMs' | 'bytes'> | null) => {
      clearTimeout(timer);
      resolve(outcome && { latencyMs: performance.now() - started, bytes: body.length, ...outcome });
    };
    const req = http.request(
      {
        host: target.url.hostname,
        port: target.url.port || 80,
        path: ENDPOINTS[target.task],
        method: 'POST',
        agent: target.agent,
        signal,
        headers: { 'content-type': 'application/json', 'content-length': body.length },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', () => finish(signal.aborted ? null : { error: timedOut ? 'timeout' : 'connection' }));
        res.on('end', () => {
          const servedBy = res.headers['x-served-by'];
          const error = checkResponse(target.task, res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'), id);
          finish({ ...(error ? { error } : {}), ...(typeof servedBy === 'string' ? { servedBy } : {}) });
        });
      },
    );
    const timer = setTimeout(() => {
      timedOut = true;
      req.destroy();
    }, target.timeoutMs);
    req.on('error', () => finish(signal.aborted ? null : { error: timedOut ? 'timeout' : 'connection' }));
    req.end(body);
  });
}

/** Median time of a few tiny GETs (any status counts): the path's round trip plus the server's cheapest answer. */
export async function measureRtt(url: URL, given?: http.Agent, tries = 5): Promise<number | undefined> {
  // the probes reuse one connection, as the load will: a new one would add a handshake to each
  const agent = given ?? new http.Agent({ keepAlive: true, maxSockets: 1 });
  const times: number[] = [];
  for (let i = 0; i < tries; i += 1) {
    const started = performance.now();
    const ok = await new Promise<boolean>((resolve) => {
      const req = http.get({ host: url.hostname, port: url.port || 80, path: '/', agent, timeout: 2000 }, (res) => {
        res.resume();
        res.on('end', () => resolve(true));
      });
      req.on('timeout', () => req.destroy());
      req.on('error', () => resolve(false));
    });
    if (ok) times.push(performance.now() - started);
  }
  if (!given) agent.destroy();
  times.sort((a, b) => a - b);
  return times.length > 0 ? times[Math.floor(times.length / 2)] : undefined;
}
