/**
 * One request of one user: POST {id, image} and classify the outcome. Raw
 * node:http with a keep-alive agent, so each in-flight user holds one socket
 * as a browser-like client would, and the timeout covers the whole exchange.
 */
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import type { ErrorKind, Task } from '../contracts/domain.js';
import { bodyHead } from './bodies.js';
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

/**
 * Resolves with the outcome, or with null when `signal` aborted the request (the job is stopping, nothing to record).
 * `tail` is the image's prebuilt body tail (bodies.ts): only the id's head is new per request, and the
 * two are written one after the other, never concatenated into a fresh 170 KB buffer.
 */
export function sendOne(target: Target, tail: Buffer, signal: AbortSignal): Promise<Outcome | null> {
  const id = randomUUID();
  const head = bodyHead(id);
  const bytes = head.length + tail.length;
  const started = performance.now();
  return new Promise((resolve) => {
    let timedOut = false;
    const finish = (outcome: Omit<Outcome, 'latencyMs' | 'bytes'> | null) => {
      clearTimeout(timer);
      resolve(outcome && { latencyMs: performance.now() - started, bytes, ...outcome });
    };
    const req = http.request(
      {
        host: target.url.hostname,
        port: target.url.port || 80,
        path: ENDPOINTS[target.task],
        method: 'POST',
        agent: target.agent,
        signal,
        headers: { 'content-type': 'application/json', 'content-length': bytes },
      },
      (res) => {
        // answers are small: one string, no chunk list to concatenate
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('error', () => finish(signal.aborted ? null : { error: timedOut ? 'timeout' : 'connection' }));
        res.on('end', () => {
          const servedBy = res.headers['x-served-by'];
          const error = checkResponse(target.task, res.statusCode ?? 0, body, id);
          finish({ ...(error ? { error } : {}), ...(typeof servedBy === 'string' ? { servedBy } : {}) });
        });
      },
    );
    const timer = setTimeout(() => {
      timedOut = true;
      req.destroy();
    }, target.timeoutMs);
    req.on('error', () => finish(signal.aborted ? null : { error: timedOut ? 'timeout' : 'connection' }));
    req.write(head);
    req.end(tail);
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
