/**
 * The front load balancer: one HTTP port like a NodePort, forwarding each
 * request to one ready replica over keep-alive connections. It also answers
 * two paths of its own under /_lb/ so the client locations can measure
 * round-trip time and bandwidth without touching a replica.
 */
import http from 'node:http';
import type { BalancerPolicy } from '../../contracts/deployment.js';
import { createPicker } from './pick.js';

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
  /** pick replicas by `policy` from the next request on */
  setPolicy(policy: BalancerPolicy): void;
}

export function createBalancer(initial: BalancerPolicy): Balancer {
  let pick = createPicker(initial);
  let pool: Member[] = [];
  const members = new Map<string, Member>();
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

  const server = http.createServer((req, res) => {
    if (own(req, res)) return;
    const member = pick(pool);
    if (!member) {
      res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'no ready replicas' }));
      return;
    }
    member.inFlight++;
    member.served++;
    let released = false;
    const done = () => {
      if (!released) {
        released = true;
        release(member);
      }
    };
    const upstream = http.request(
      { host: member.host, port: member.port, method: req.method, path: req.url, headers: forwardable(req.headers), agent: member.agent },
      (up) => {
        res.writeHead(up.statusCode ?? 502, forwardable(up.headers));
        up.pipe(res);
      },
    );
    upstream.on('error', (err) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' }).end(JSON.stringify({ error: `replica ${member.name}: ${err.message}` }));
      else res.destroy(err);
    });
    // a client that gives up closes the replica's connection too, as an L4 NodePort would
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
      done();
    });
    req.on('error', () => upstream.destroy());
    req.pipe(upstream);
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
    setPolicy(policy) {
      pick = createPicker(policy);
    },
    stats() {
      return Object.fromEntries([...members.values()].map((m) => [m.name, { inFlight: m.inFlight, served: m.served }]));
    },
  };
}
