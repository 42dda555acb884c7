/**
 * A stand-in for the detection service behind a balancer: one HTTP server
 * that spreads requests round-robin over N simulated replicas, each with a
 * fixed service time, `concurrency` requests at once and a bounded queue
 * (503 + Retry-After when full, like the real service). Tests and the fake
 * backend use it to exercise the pipeline without models or cgroups.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeServiceOptions {
  /** time one request occupies a replica slot, ms @default 20 */
  serviceMs?: number;
  /** requests a replica serves at once @default 1 */
  concurrency?: number;
  /** requests a replica lets wait @default 4 */
  queue?: number;
}

interface Replica {
  name: string;
  active: number;
  waiting: Array<() => void>;
  served: number;
}

export interface FakeService {
  url: string;
  setReplicas(n: number): void;
  replicas(): ReadonlyArray<Readonly<Replica>>;
  close(): Promise<void>;
}

export async function startFakeService(opts: FakeServiceOptions = {}): Promise<FakeService> {
  const serviceMs = opts.serviceMs ?? 20;
  const concurrency = opts.concurrency ?? 1;
  const queue = opts.queue ?? 4;
  let replicas: Replica[] = [];
  let next = 0;

  const release = (r: Replica) => {
    r.active -= 1;
    const waiter = r.waiting.shift();
    if (waiter) waiter();
  };

  const server = http.createServer((req, res) => {
    if (req.method !== 'POST' || req.url !== '/api/object_detection') {
      res.writeHead(404).end();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const replica = replicas[next++ % Math.max(1, replicas.length)];
      if (!replica) {
        res.writeHead(503, { 'retry-after': '1' }).end();
        return;
      }
      let id: unknown;
      try {
        id = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id?: unknown }).id;
      } catch {
        res.writeHead(400).end('{"error":"bad json"}');
        return;
      }
      const serve = () => {
        replica.active += 1;
        setTimeout(() => {
          replica.served += 1;
          res.writeHead(200, { 'content-type': 'application/json', 'x-served-by': replica.name });
          res.end(JSON.stringify({ id, objects: [{ label: 'dog', accuracy: 0.9, rectangle: { height: 10, left: 1, top: 2, width: 20 } }] }));
          release(replica);
        }, serviceMs);
      };
      if (replica.active < concurrency) serve();
      else if (replica.waiting.length < queue) replica.waiting.push(serve);
      else res.writeHead(503, { 'retry-after': '1', 'x-served-by': replica.name }).end('{"error":"queue full"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    setReplicas(n) {
      // Scaling keeps the running replicas, as a Deployment does.
      replicas = Array.from({ length: n }, (_, i) => replicas[i] ?? { name: `fake-${i}`, active: 0, waiting: [], served: 0 });
    },
    replicas: () => replicas,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
