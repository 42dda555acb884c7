/**
 * Runs the shared load worker (experiments/load/worker.ts) as a child process
 * at one client location. Progress comes back as JSON lines on stderr, each
 * LoadJobResult as a JSON line on stdout. An abort SIGTERMs the worker, which
 * still prints its partial result.
 *
 * The project's own worker is started once with --serve and kept between
 * jobs (one job per stdin line): a search holds many short levels, and
 * starting node + tsx for each cost 1-3 s of wall time per level. Any other
 * worker command (test stand-ins) gets one process per job, job on stdin.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import type net from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import type { LoadExecutor } from '../backend.js';
import { WORKER_PATH } from '../../load/spawn-worker.js';
import type { LoadJob, LoadJobResult } from '../../load/types.js';
import { Step } from '../../record/schema.js';
import type { Cgroup } from '../../../lib/cgroup/group.js';
import { inCgroupCommand } from '../../../lib/cgroup/join.js';

// loose: fields the worker adds later pass through to the caller untouched
const LoadJobResultSchema = z.looseObject({
  steps: z.array(Step),
  loadGenCpu: z.number().nonnegative(),
  aborted: z.boolean(),
  rttMs: z.number().nonnegative().optional(),
});

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
const idleWorkers = new Map<string, WorkerProcess[]>();

export function createExecutor(spec: ExecutorSpec): LoadExecutor {
  const reuse = spec.reuse ?? spec.command.some((arg) => path.resolve(spec.cwd, arg) === WORKER_PATH);
  const key = JSON.stringify([spec.prefix, spec.command, spec.cgroup?.name ?? null, spec.cwd, spec.env]);
  return {
    async run(job: LoadJob, signal?: AbortSignal): Promise<LoadJobResult> {
      signal?.throwIfAborted();
      const worker = takeIdle(key) ?? startWorker(spec, reuse, key);
      worker.wake();
      const result = await worker.run({ ...job, url: spec.url }, signal);
      if (reuse && worker.alive) {
        idleWorkers.set(key, [...(idleWorkers.get(key) ?? []), worker]);
        worker.sleep(IDLE_EXIT_MS);
      }
      return result;
    },
  };
}

function takeIdle(key: string): WorkerProcess | undefined {
  const idle = idleWorkers.get(key) ?? [];
  for (let w = idle.pop(); w; w = idle.pop()) if (w.alive) return w;
  return undefined;
}

function startWorker(spec: ExecutorSpec, serve: boolean, key: string): WorkerProcess {
  const worker = new WorkerProcess(spec, serve);
  // a worker that exits while parked (idle timeout, down()) leaves the pool
  void worker.exited.then(() => {
    const rest = (idleWorkers.get(key) ?? []).filter((w) => w !== worker);
    if (rest.length > 0) idleWorkers.set(key, rest);
    else idleWorkers.delete(key);
  });
  return worker;
}

/** One worker child in its own process group (prefix and cgroup included), one job at a time. */
class WorkerProcess {
  private readonly child: ChildProcess;
  private readonly closed: Promise<unknown>;
  /** settles when the process and its pipes are gone */
  readonly exited: Promise<void>;
  private readonly stderrTail: string[] = [];
  private pending: ((line: string | null) => void) | null = null;
  private idleTimer: NodeJS.Timeout | undefined;
  alive = true;

  constructor(
    private readonly spec: ExecutorSpec,
    private readonly serve: boolean,
  ) {
    const [cmd, ...args] = inCgroupCommand(spec.cgroup, [...spec.prefix, ...spec.command, ...(serve ? ['--serve'] : [])]);
    this.child = spawn(cmd!, args, { cwd: spec.cwd, env: { ...process.env, ...spec.env }, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    const untrack = spec.track(() => this.signalGroup('SIGKILL'));
    this.closed = once(this.child, 'close').finally(() => {
      this.alive = false;
      untrack();
      this.pending?.(null);
    });
    this.exited = this.closed.then(() => undefined, () => undefined);
    createInterface({ input: this.child.stdout! }).on('line', (line) => this.pending?.(line));
    createInterface({ input: this.child.stderr! }).on('line', (line) => {
      const msg = safeJson(line) as { type?: string; message?: string } | undefined;
      if (msg && typeof msg === 'object' && msg.type !== 'error') return spec.log('load-progress', msg);
      this.stderrTail.push(msg?.message ?? line);
      if (this.stderrTail.length > 20) this.stderrTail.shift();
      spec.log('load-stderr', { line });
    });
    this.child.stdin!.on('error', () => undefined); // a worker that dies early closes its stdin; its exit says why
  }

  async run(job: LoadJob, signal?: AbortSignal): Promise<LoadJobResult> {
    if (!this.alive) throw this.failure('exited before the job');
    const line = new Promise<string | null>((resolve) => (this.pending = resolve));
    let killTimer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      this.signalGroup('SIGTERM');
      killTimer = setTimeout(() => this.signalGroup('SIGKILL'), this.spec.abortGraceMs);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) onAbort(); // aborted while this worker was being taken or started
    const text = JSON.stringify(job);
    if (this.serve) this.child.stdin!.write(`${text}\n`);
    else this.child.stdin!.end(text);
    try {
      const out = await line;
      this.pending = null;
      // a one-job worker, or one stopped by the abort, is waited for so nothing outlives the call
      if (!this.serve || signal?.aborted) await this.closed;
      const parsed = out ? LoadJobResultSchema.safeParse(safeJson(out)) : null;
      if (parsed?.success) return { ...parsed.data, aborted: parsed.data.aborted || Boolean(signal?.aborted) };
      this.signalGroup('SIGKILL');
      throw this.failure(parsed ? z.prettifyError(parsed.error) : 'no result on stdout');
    } finally {
      clearTimeout(killTimer);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Parked between jobs: it must neither keep this process alive nor live on unused. */
  sleep(ms: number): void {
    // stdin's end is the --serve worker's cue to exit; takeIdle() skips it once gone
    this.idleTimer = setTimeout(() => {
      this.alive = false;
      this.child.stdin!.end();
    }, ms).unref();
    this.setRef(false);
  }

  wake(): void {
    clearTimeout(this.idleTimer);
    this.setRef(true);
  }

  private setRef(on: boolean): void {
    for (const s of [this.child, this.child.stdin, this.child.stdout, this.child.stderr] as (ChildProcess | net.Socket)[]) {
      if (on) s.ref();
      else s.unref();
    }
  }

  private failure(why: string): Error {
    const { exitCode: code, signalCode: sig } = this.child;
    return new Error(`load worker failed (exit code ${code}, signal ${sig}): ${why}${this.stderrTail.length ? `\n${this.stderrTail.join('\n')}` : ''}`);
  }

  private signalGroup(sig: NodeJS.Signals): void {
    try {
      process.kill(-this.child.pid!, sig);
    } catch {
      // already gone
    }
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
