/**
 * `--backend fake`: the whole pipeline without models, cgroups or a cluster.
 * Both locations reach the same in-process fake service; the load runs in
 * this process, or in a worker child process when `workerProcess` is set
 * (env CLOUDDETECT_FAKE_WORKER=process), which exercises the worker protocol.
 * Tuning from the environment: CLOUDDETECT_FAKE_SERVICE_MS, _CONCURRENCY, _QUEUE.
 * In-process, the generator's measured CPU includes the fake service's: give
 * the config's loadGenerator.cpu room, or use the worker process.
 */
import type { Backend, BackendModule, BackendOptions, LoadExecutor } from '../backend.js';
import type { Location } from '../../record/schema.js';
import { runLoadJob } from '../../load/run-job.js';
import { spawnWorker } from '../../load/spawn-worker.js';
import { startFakeService, type FakeService, type FakeServiceOptions } from './fake-service.js';

export interface FakeBackendOptions extends FakeServiceOptions {
  workerProcess?: boolean;
}

export async function createFakeBackend(options: BackendOptions, fake: FakeBackendOptions = {}): Promise<Backend> {
  let service: FakeService | undefined;
  const running = () => {
    if (!service) throw new Error('fake backend: up() was not called');
    return service;
  };
  // Progress goes through the log, as the local backend's executor reports it.
  const onProgress = (p: object) => options.log('load-progress', { ...p });
  const executor: LoadExecutor = {
    run: (job, signal) =>
      fake.workerProcess
        ? spawnWorker(job, { onProgress, ...(signal ? { signal } : {}) })
        : runLoadJob(job, { onProgress, ...(signal ? { signal } : {}) }),
  };
  const backend = {
    name: 'fake',
    limitsEnforced: false,
    async up(replicas: number) {
      service ??= await startFakeService(fake);
      service.setReplicas(replicas);
      options.log('fake.up', { replicas, url: service.url });
    },
    async scale(replicas: number) {
      running().setReplicas(replicas);
      options.log('fake.scale', { replicas });
    },
    async endpoint(location: Location) {
      return { location, url: running().url, description: `in-process fake service (${location})`, bandwidthMbit: null };
    },
    executor: async () => executor,
    async replicaStats() {
      return running().replicas().map((r) => ({ name: r.name, ready: true, restarts: 0, oomKilled: 0 }));
    },
    async logs() {
      return running().replicas().map((r) => ({ replica: r.name, lines: [`served ${r.served} requests`] }));
    },
    async down() {
      await service?.close();
      service = undefined;
    },
  } satisfies Backend;
  return backend;
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

export const createBackend: BackendModule['createBackend'] = (options) => createFakeBackend(options, fromEnv());

// Everything the fake starts lives in the run's own process, so a crash leaves nothing behind.
export const purge: BackendModule['purge'] = async () => [];
