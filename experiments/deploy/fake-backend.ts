/**
 * `--backend fake`: a documented stub that runs the whole pipeline without
 * models, cgroups or a cluster, for the CLI's own tests and a first look.
 *
 * One in-process HTTP server stands in for the detection service behind a
 * balancer: it spreads requests round-robin over N simulated replicas, each
 * with a fixed service time, `concurrency` requests at once and a bounded
 * queue (503 + Retry-After when full, like the real service). Both
 * locations reach it. The load runs in this process, or in a worker child
 * process (env CLOUDDETECT_FAKE_WORKER=process), which exercises the worker
 * protocol. Tuning from the environment: CLOUDDETECT_FAKE_SERVICE_MS,
 * _CONCURRENCY, _QUEUE. In-process, the generator's measured CPU includes
 * the fake service's: give the config's loadGenerator.cpu room.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Location } from '../contracts/domain.js';
import type { DeploymentSpec } from '../contracts/deployment.js';
import { runWorkerOnce } from '../load/protocol/client.js';
import { runLoadJob } from '../load/run-job.js';
import type { Backend, BackendContext, BackendModule, LoadExecutor } from './backend.js';

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

export interface FakeBackendOptions extends FakeServiceOptions {
  workerProcess?: boolean;
}

export async function createFakeBackend(ctx: BackendContext, fake: FakeBackendOptions = {}): Promise<Backend> {
  let service: FakeService | undefined;
  const running = () => {
    if (!service) throw new Error('fake backend: nothing deployed');
    return service;
  };
  // Progress goes through the log, as the local backend's executor reports it.
  const onProgress = (p: object) => ctx.log('load-progress', { ...p });
  const executor: LoadExecutor = {
    run: (job, signal) =>
      fake.workerProcess
        ? runWorkerOnce(job, { onProgress, ...(signal ? { signal } : {}) })
        : runLoadJob(job, { onProgress, ...(signal ? { signal } : {}) }),
  };
  return {
    name: 'fake',
    limitsEnforced: false,
    async deploy(spec: DeploymentSpec) {
      service ??= await startFakeService(fake);
      service.setReplicas(spec.replicas);
      ctx.log('fake.deploy', { replicas: spec.replicas, url: service.url });
    },
    async endpoint(location: Location) {
      return { location, url: running().url, description: `in-process fake service (${location})`, bandwidthMbit: null };
    },
    executor: async () => executor,
    async replicaStats() {
      return running().replicas().map((r) => ({ name: r.name, ready: true, restarts: 0, oomKilled: 0 }));
    },
    // the stand-in service runs in this process: the host's CPU is not the service's
    hostCpu: async () => null,
    async logs() {
      return running().replicas().map((r) => ({ replica: r.name, lines: [`served ${r.served} requests`] }));
    },
    async down() {
      await service?.close();
      service = undefined;
    },
    // everything it starts lives in this process
    detach: async () => undefined,
  };
}

function envNumber(name: string): number | undefined {
  const v = process.env[name];
  return v === undefined || v === '' ? undefined : Number(v);
}

function fromEnv(): FakeBackendOptions {
  const o: FakeBackendOptions = { workerProcess: process.env.CLOUDDETECT_FAKE_WORKER === 'process' };
  const serviceMs = envNumber('CLOUDDETECT_FAKE_SERVICE_MS');
  const concurrency = envNumber('CLOUDDETECT_FAKE_CONCURRENCY');
  const queue = envNumber('CLOUDDETECT_FAKE_QUEUE');
  if (serviceMs !== undefined) o.serviceMs = serviceMs;
  if (concurrency !== undefined) o.concurrency = concurrency;
  if (queue !== undefined) o.queue = queue;
  return o;
}

export const fakeBackend: BackendModule = {
  name: 'fake',
  gpu: false,
  configure() {
    const own = fromEnv();
    return { check: () => [], create: (ctx) => createFakeBackend(ctx, own), dryRun: () => null };
  },
  // everything the fake starts lives in the run's own process, so a crash leaves nothing behind
  purge: async () => [],
};
