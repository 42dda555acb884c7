/**
 * The front load balancer: one HTTP port like a NodePort, forwarding each
 * request to one ready replica over keep-alive connections. Which replica,
 * and when, is the binder's (binder.ts): at once for an early policy, once a
 * slot is free for a late one; the time a request waited here is added to
 * the replica's Server-Timing as `lb-queue`, so clients see every queue.
 * It also answers two paths of its own under /_lb/ so the client locations
 * can measure round-trip time and bandwidth without touching a replica.
 */
import http from 'node:http';
import type { BalancerSpec } from '../../contracts/deployment.js';
import { createBinder, type Binder, type Binding } from './binder.js';
import { QueueRefused } from './central-queue.js';

export interface Upstream {
  name: string;
  /** base URL, e.g. http://127.0.0.1:41234 */
  url: string;
}

interface Member extends Upstream {
  host: string;
  port: number;
  agent: http.Agent;
  inFlight: number;
  served: number;
}

/** Headers that describe one connection and must not be forwarded (RFC 9110 §7.6.1). */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer']);

function forwardable(headers: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  const out: http.OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined && !HOP_BY_HOP.has(k)) out[k] = v;
  return out;
}

export interface Balancer {
  server: http.Server;
  /** replace the pool; members that stay keep their connections and counts */
  setPool(upstreams: Upstream[]): void;
  /** resolves when no request to `name` is in flight (or after timeoutMs) */
  drain(name: string, timeoutMs: number): Promise<void>;
  stats(): Record<string, { inFlight: number; served: number }>;
  /** bind requests by `spec` from the next request on (requests already waiting keep their queue) */
  setBalancer(spec: BalancerSpec): void;
}

/** `lb-queue;dur=…` after whatever Server-Timing the replica sent. */
export function withQueueTiming(upstream: string | string[] | undefined, queuedMs: number): string {
  const own = `lb-queue;dur=${Math.round(queuedMs * 100) / 100}`;
  const theirs = Array.isArray(upstream) ? upstream.join(', ') : upstream;
  return theirs ? `${theirs}, ${own}` : own;
}

const json = (res: http.ServerResponse, status: number, body: object, queuedMs: number) =>
  res.writeHead(status, { 'content-type': 'application/json', 'server-timing': withQueueTiming(undefined, queuedMs) }).end(JSON.stringify(body));

export function createBalancer(initial: BalancerSpec): Balancer {
  let pool: Member[] = [];
  const members = new Map<string, Member>();
  let binder: Binder = createBinder(initial, () => pool);
  const idleWaiters = new Map<string, (() => void)[]>();

  const release = (m: Member) => {
    m.inFlight--;
    if (m.inFlight === 0) {
      for (const wake of idleWaiters.get(m.name) ?? []) wake();
      idleWaiters.delete(m.name);
    }
  };

  const own = (req: http.IncomingMessage, res: http.ServerResponse): boolean => {
    if (req.url === '/_lb/ping') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('pong');
      return true;
    }
    if (req.url === '/_lb/sink' && req.method === 'POST') {
      let bytes = 0;
      req.on('data', (chunk: Buffer) => (bytes += chunk.length));
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ bytes })));
      return true;
    }
    return false;
  };

  const forward = (req: http.IncomingMessage, res: http.ServerResponse, binding: Binding, queuedMs: number) => {
    const member = members.get(binding.name)!;
    member.inFlight++;
    member.served++;
    let released = false;
    const done = () => {
      if (released) return;
      released = true;
      release(member);
      binding.release();
    };
    const upstream = http.request(
      { host: member.host, port: member.port, method: req.method, path: req.url, headers: forwardable(req.headers), agent: member.agent },
      (up) => {
        res.writeHead(up.statusCode ?? 502, { ...forwardable(up.headers), 'server-timing': withQueueTiming(up.headers['server-timing'], queuedMs) });
        // the replica is done once its answer is in: a late policy's slot is free from here
        up.on('end', done);
        up.pipe(res);
      },
    );
    upstream.on('error', (err) => {
      done();
      if (!res.headersSent) json(res, 502, { error: `replica ${member.name}: ${err.message}` }, queuedMs);
      else res.destroy(err);
    });
    // a client that gives up closes the replica's connection too, as an L4 NodePort would
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
      done();
    });
    req.on('error', () => upstream.destroy());
    req.pipe(upstream);
  };

  const server = http.createServer((req, res) => {
    if (own(req, res)) return;
    const arrived = performance.now();
    const gone = new AbortController();
    const onClose = () => gone.abort(new Error('client closed the connection'));
    res.on('close', onClose);
    binder.bind(gone.signal).then(
      (binding) => {
        res.off('close', onClose);
        const queuedMs = performance.now() - arrived;
        if (!binding) return void json(res, 503, { error: 'no ready replicas' }, queuedMs);
        if (res.destroyed) return binding.release();
        forward(req, res, binding, queuedMs);
      },
      (err: unknown) => {
        res.off('close', onClose);
        if (!(err instanceof QueueRefused) || res.destroyed) return;
        if (err.reason === 'queue-full') res.setHeader('retry-after', '1');
        json(res, err.reason === 'queue-full' ? 503 : 504, { error: err.message }, performance.now() - arrived);
      },
    );
  });
  // Clients keep connections for the whole trial; the default 5 s would make them reconnect mid-run.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.requestTimeout = 0;

  return {
    server,
    setPool(upstreams) {
      const next: Member[] = [];
      for (const u of upstreams) {
        let m = members.get(u.name);
        if (!m || m.url !== u.url) {
          m?.agent.destroy();
          const parsed = new URL(u.url);
          m = { ...u, host: parsed.hostname, port: Number(parsed.port), agent: new http.Agent({ keepAlive: true, maxSockets: Infinity }), inFlight: 0, served: m?.served ?? 0 };
          members.set(u.name, m);
        }
        next.push(m);
      }
      pool = next;
      binder.setPool(next.map((m) => m.name));
    },
    drain(name, timeoutMs) {
      const m = members.get(name);
      if (!m || m.inFlight === 0) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        const wake = () => {
          clearTimeout(timer);
          resolve();
        };
        idleWaiters.set(name, [...(idleWaiters.get(name) ?? []), wake]);
      });
    },
    setBalancer(spec) {
      binder = createBinder(spec, () => pool);
    },
    stats() {
      return Object.fromEntries([...members.values()].map((m) => [m.name, { inFlight: m.inFlight, served: m.served }]));
    },
  };
}
