/**
 * The orchestrator's side of the worker protocol: one worker child process
 * in its own process group (wrappers such as `ip netns exec` or a cgroup
 * join included), fed jobs on stdin and read on stdout/stderr. Every
 * backend and location that runs the worker on this machine uses it.
 *
 * A `serve` client keeps the process between jobs (one per stdin line): a
 * search holds many short levels, and starting node + tsx for each costs
 * 1-3 s of wall time. Otherwise the job goes on stdin and the process exits.
 * An abort SIGTERMs the group; the worker still prints its partial result,
 * and SIGKILL follows after `abortGraceMs`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import type net from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { LoadJobResult, Progress, resultFor, safeJson, type LoadJob, type ResultOf } from './schema.js';

export const WORKER_PATH = fileURLToPath(new URL('../worker.ts', import.meta.url));

/** The project's worker under tsx, as a local child process runs it. */
export const workerCommand = (): string[] => [process.execPath, '--import', 'tsx', WORKER_PATH];

export interface WorkerSpec {
  /** the whole command line, wrappers included */
  argv: readonly string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** keep the process between jobs (the worker's --serve mode) */
  serve: boolean;
  /** how long after SIGTERM the worker may take to print its partial result @default 15000 */
  abortGraceMs?: number;
  onProgress?: (p: Progress) => void;
  /** stderr lines that are not progress */
  onStderr?: (line: string) => void;
  /** registers a kill switch (for a backend's down()); returns its unregistration */
  track?: (kill: () => void) => () => void;
}

const STDERR_TAIL = 20;

export class WorkerClient {
  private readonly child: ChildProcess;
  private readonly closed: Promise<unknown>;
  /** settles when the process and its pipes are gone */
  readonly exited: Promise<void>;
  private readonly stderrTail: string[] = [];
  private pending: ((line: string | null) => void) | null = null;
  private idleTimer: NodeJS.Timeout | undefined;
  alive = true;

  constructor(private readonly spec: WorkerSpec) {
    const [cmd, ...args] = [...spec.argv, ...(spec.serve ? ['--serve'] : [])];
    this.child = spawn(cmd!, args, { cwd: spec.cwd, env: spec.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    const untrack = spec.track?.(() => this.signalGroup('SIGKILL'));
    this.closed = once(this.child, 'close').finally(() => {
      this.alive = false;
      untrack?.();
      this.pending?.(null);
    });
    this.exited = this.closed.then(() => undefined, () => undefined);
    createInterface({ input: this.child.stdout! }).on('line', (line) => this.pending?.(line));
    createInterface({ input: this.child.stderr! }).on('line', (line) => this.onStderrLine(line));
    // a worker that dies early closes its stdin; its exit says why
    this.child.stdin!.on('error', () => undefined);
  }

  private onStderrLine(line: string): void {
    const msg = safeJson(line);
    const progress = Progress.safeParse(msg);
    if (progress.success) return this.spec.onProgress?.(progress.data);
    const error = msg as { type?: string; message?: string } | undefined;
    this.stderrTail.push(error?.type === 'error' && error.message ? error.message : line);
    if (this.stderrTail.length > STDERR_TAIL) this.stderrTail.shift();
    this.spec.onStderr?.(line);
  }

  async run<J extends LoadJob>(job: J, signal?: AbortSignal): Promise<ResultOf<J>> {
    if (!this.alive) throw this.failure('exited before the job');
    const line = new Promise<string | null>((resolve) => (this.pending = resolve));
    let killTimer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      this.signalGroup('SIGTERM');
      killTimer = setTimeout(() => this.signalGroup('SIGKILL'), this.spec.abortGraceMs ?? 15_000);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    // aborted while this worker was being taken or started
    if (signal?.aborted) onAbort();
    const text = JSON.stringify(job);
    if (this.spec.serve) this.child.stdin!.write(`${text}\n`);
    else this.child.stdin!.end(text);
    try {
      const out = await line;
      this.pending = null;
      // a one-job worker, or one stopped by the abort, is waited for so nothing outlives the call
      if (!this.spec.serve || signal?.aborted) await this.closed;
      const parsed = out === null ? null : LoadJobResult.safeParse(safeJson(out));
      if (parsed?.success) return resultFor(job, { ...parsed.data, aborted: parsed.data.aborted || Boolean(signal?.aborted) });
      this.signalGroup('SIGKILL');
      throw this.failure(parsed ? parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') : 'no result on stdout');
    } finally {
      clearTimeout(killTimer);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Parked between jobs: it must neither keep this process alive nor live on unused. */
  sleep(ms: number): void {
    // stdin's end is the --serve worker's cue to exit
    this.idleTimer = setTimeout(() => {
      this.alive = false;
      this.child.stdin!.end();
    }, ms).unref();
    this.setRef(false);
  }

  /** Done with it: a --serve worker exits when its stdin ends. */
  close(): void {
    clearTimeout(this.idleTimer);
    this.alive = false;
    this.child.stdin!.end();
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

/** One job in a fresh worker process of the project's own worker, which exits after it. */
export function runWorkerOnce<J extends LoadJob>(job: J, opts: Omit<WorkerSpec, 'argv' | 'serve'> & { prefix?: string[]; signal?: AbortSignal } = {}): Promise<ResultOf<J>> {
  const { prefix = [], signal, ...spec } = opts;
  return new WorkerClient({ ...spec, argv: [...prefix, ...workerCommand()], serve: false }).run(job, signal);
}
