/**
 * The local backend's LoadExecutor: the shared load worker as a child
 * process at one client location (its netns prefix and its generator cgroup
 * joined before exec), speaking the worker protocol (load/protocol).
 *
 * The project's own worker is kept between jobs (--serve) and parked when
 * idle, so the next cell at the same location reuses it; any other worker
 * command (test stand-ins) gets one process per job.
 */
import path from 'node:path';
import type { Cgroup } from '../../../lib/cgroup/group.js';
import { inCgroupCommand } from '../../../lib/cgroup/join.js';
import type { LoadExecutor } from '../backend.js';
import { WORKER_PATH, WorkerClient, type WorkerSpec } from '../../load/protocol/client.js';
import type { LoadJob, ResultOf } from '../../load/protocol/schema.js';

/** an idle kept worker exits after this long without a job (the next job starts a new one) */
const IDLE_EXIT_MS = 30_000;

export interface ExecutorSpec {
  /** the worker command, e.g. [node, --import, tsx, experiments/load/worker.ts] */
  command: string[];
  /** wraps the command, e.g. [ip, netns, exec, cdr-1234abcd] */
  prefix: string[];
  cgroup: Cgroup | null;
  cwd: string;
  env: Record<string, string>;
  /** the location's endpoint; every job is pointed at it */
  url: string;
  /** how long after SIGTERM the worker may take to print its partial result */
  abortGraceMs: number;
  log: (event: string, fields?: Record<string, unknown>) => void;
  /** running workers register here so down() can stop them */
  track: (kill: () => void) => () => void;
  /** keep one --serve worker between jobs; default: only when the command runs experiments/load/worker.ts */
  reuse?: boolean;
}

/**
 * Kept workers waiting for a job, by everything that shapes the process (the job's url does not):
 * the backend makes a new executor per cell, and each cell can reuse the last cell's worker.
 */
const idleWorkers = new Map<string, WorkerClient[]>();

export function createExecutor(spec: ExecutorSpec): LoadExecutor {
  const reuse = spec.reuse ?? spec.command.some((arg) => path.resolve(spec.cwd, arg) === WORKER_PATH);
  const key = JSON.stringify([spec.prefix, spec.command, spec.cgroup?.name ?? null, spec.cwd, spec.env]);
  const worker: WorkerSpec = {
    argv: inCgroupCommand(spec.cgroup, [...spec.prefix, ...spec.command]),
    cwd: spec.cwd,
    env: { ...process.env, ...spec.env },
    serve: reuse,
    abortGraceMs: spec.abortGraceMs,
    onProgress: (p) => spec.log('load-progress', p),
    onStderr: (line) => spec.log('load-stderr', { line }),
    track: spec.track,
  };
  return {
    async run<J extends LoadJob>(job: J, signal?: AbortSignal): Promise<ResultOf<J>> {
      signal?.throwIfAborted();
      const client = takeIdle(key) ?? start(worker, key);
      client.wake();
      const result = await client.run({ ...job, url: spec.url }, signal);
      if (reuse && client.alive) {
        idleWorkers.set(key, [...(idleWorkers.get(key) ?? []), client]);
        client.sleep(IDLE_EXIT_MS);
      }
      return result;
    },
  };
}

function takeIdle(key: string): WorkerClient | undefined {
  const idle = idleWorkers.get(key) ?? [];
  for (let w = idle.pop(); w; w = idle.pop()) if (w.alive) return w;
  return undefined;
}

function start(spec: WorkerSpec, key: string): WorkerClient {
  const client = new WorkerClient(spec);
  // a worker that exits while parked (idle timeout, down()) leaves the pool
  void client.exited.then(() => {
    const rest = (idleWorkers.get(key) ?? []).filter((w) => w !== client);
    if (rest.length > 0) idleWorkers.set(key, rest);
    else idleWorkers.delete(key);
  });
  return client;
}
