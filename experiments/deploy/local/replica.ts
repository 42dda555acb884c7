/**
 * One replica, supervised like a kubelet supervises a pod's container: it is
 * started inside its cgroup from its first instruction, is ready once
 * /readyz answers 200, and is restarted with exponential back-off whenever it
 * exits on its own (crash or OOM kill), each restart counted. One that never
 * became ready and was SIGKILLed by someone else (the OOM killer: its
 * start-up does not fit the memory limit) or exited `startFailureLimit`
 * times is hopeless: waitReady gives up at once instead of at its timeout.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter, once } from 'node:events';
import { closeSync, openSync, writeSync } from 'node:fs';
import { constants } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Cgroup } from '../../../lib/cgroup/group.js';
import { inCgroupCommand, JOIN_FAILED_EXIT } from '../../../lib/cgroup/join.js';

export interface Backoff {
  initialMs: number;
  maxMs: number;
  /** a run this long resets the back-off to initialMs (kubelet: 10 min) */
  resetAfterMs: number;
}

export interface ReplicaSpec {
  name: string;
  port: number;
  command: string[];
  env: Record<string, string>;
  cwd: string;
  logFile: string;
  cgroup: Cgroup | null;
  backoff: Backoff;
  /** how often /readyz is asked while starting, ms */
  probeIntervalMs: number;
  /** exits before the first ready after which waiting is pointless (the same start-up fails the same way) */
  startFailureLimit: number;
  /** the command reports its child's death by signal N as exit code 128+N (a container engine's client) */
  signalExitCodes: boolean;
  /** answers 200 once ready */
  readyPath: string;
}

export interface ExitRecord {
  code: number | null;
  signal: NodeJS.Signals | null;
  at: string;
}

type State = 'starting' | 'ready' | 'backoff' | 'stopping' | 'stopped';

/** Events: 'ready' and 'unready' (pool membership), 'exit' (ExitRecord, for the log), 'hopeless' (why it will never be ready). */
export class Replica extends EventEmitter {
  readonly url: string;
  private state: State = 'stopped';
  private child: ChildProcess | null = null;
  private startedAt = 0;
  private crashesInARow = 0;
  private restartTimer: NodeJS.Timeout | null = null;
  private everReady = false;
  private exitsBeforeReady = 0;
  /** set once the replica is known never to become ready */
  hopeless: string | null = null;
  restarts = 0;
  /** exits by SIGKILL we did not send: the OOM killer's signature when no cgroup counts it */
  killedBySignal = 0;
  lastExit: ExitRecord | null = null;

  constructor(readonly spec: ReplicaSpec) {
    super();
    this.url = `http://127.0.0.1:${spec.port}`;
  }

  get ready(): boolean {
    return this.state === 'ready';
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  start(): void {
    const { spec } = this;
    this.state = 'starting';
    this.startedAt = Date.now();
    const log = openSync(spec.logFile, 'a');
    writeSync(log, `--- ${new Date().toISOString()} ${spec.name} start (restarts: ${this.restarts})\n`);
    const [cmd, ...args] = inCgroupCommand(spec.cgroup, spec.command);
    const child = spawn(cmd!, args, {
      cwd: spec.cwd,
      env: { ...process.env, ...spec.env, PORT: String(spec.port), POD_NAME: spec.name },
      stdio: ['ignore', log, log],
      detached: true,
    });
    closeSync(log);
    this.child = child;
    child.on('exit', (code, signal) => this.onExit(child, code, signal));
    void this.probeUntilReady(child);
  }

  private async probeUntilReady(child: ChildProcess): Promise<void> {
    while (this.child === child && this.state === 'starting') {
      if (await probe(`${this.url}${this.spec.readyPath}`)) {
        if (this.child === child && this.state === 'starting') {
          this.state = 'ready';
          this.everReady = true;
          this.emit('ready');
        }
        return;
      }
      await sleep(this.spec.probeIntervalMs);
    }
  }

  private onExit(child: ChildProcess, exitCode: number | null, exitSignal: NodeJS.Signals | null): void {
    if (this.child !== child) return;
    const { code, signal } = this.spec.signalExitCodes ? bySignal(exitCode, exitSignal) : { code: exitCode, signal: exitSignal };
    this.child = null;
    const record = { code, signal, at: new Date().toISOString() };
    this.lastExit = record;
    if (this.state === 'stopping' || this.state === 'stopped') {
      this.state = 'stopped';
      this.emit('stopped');
      return;
    }
    const wasReady = this.state === 'ready';
    if (signal === 'SIGKILL') this.killedBySignal++;
    if (!this.everReady) this.judgeStart(record);
    const { initialMs, maxMs, resetAfterMs } = this.spec.backoff;
    if (Date.now() - this.startedAt >= resetAfterMs) this.crashesInARow = 0;
    const delay = Math.min(maxMs, initialMs * 2 ** this.crashesInARow);
    this.crashesInARow++;
    this.state = 'backoff';
    if (wasReady) this.emit('unready');
    this.emit('exit', record, delay);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (this.state !== 'backoff') return;
      this.restarts++;
      this.start();
    }, delay);
  }

  /** An exit before the replica was ever ready: the OOM killer's SIGKILL or one exit too many makes it hopeless. */
  private judgeStart(exit: ExitRecord): void {
    this.exitsBeforeReady++;
    if (this.hopeless) return;
    if (exit.signal === 'SIGKILL') this.hopeless = 'was SIGKILLed before it was ever ready, not by us (the OOM killer: its start-up does not fit the memory limit)';
    else if (this.exitsBeforeReady >= this.spec.startFailureLimit) {
      this.hopeless = `exited ${this.exitsBeforeReady} times before it was ever ready (last exit code ${exit.code} signal ${exit.signal})`;
    } else return;
    this.emit('hopeless', this.hopeless);
  }

  /** Resolves when ready; rejects on timeout, abort, or once it is hopeless. Other crashes meanwhile are restarted, not fatal. */
  async waitReady(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (this.ready) return;
    const giveUp = (reason: string) => new Error(`replica ${this.spec.name} ${reason} (restarts: ${this.restarts}; log: ${this.spec.logFile})`);
    if (this.hopeless) throw giveUp(this.hopeless);
    const timeout = AbortSignal.timeout(timeoutMs);
    const settled = new AbortController();
    const abort = AbortSignal.any([timeout, settled.signal, ...(signal ? [signal] : [])]);
    try {
      await Promise.race([
        once(this, 'ready', { signal: abort }),
        once(this, 'hopeless', { signal: abort }).then(([reason]: unknown[]) => {
          throw giveUp(String(reason));
        }),
      ]);
    } catch (err) {
      if (timeout.aborted) {
        const last = this.lastExit;
        const joinFailed = last?.code === JOIN_FAILED_EXIT ? ' (could not join its cgroup)' : '';
        const hint = last ? `; last exit code ${last.code} signal ${last.signal}${joinFailed}` : '';
        throw new Error(`replica ${this.spec.name} not ready after ${timeoutMs} ms (restarts: ${this.restarts}${hint}; log: ${this.spec.logFile})`);
      }
      throw err;
    } finally {
      settled.abort();
    }
  }

  /** Stops supervising and lets the process outlive ours; nothing is restarted any more. */
  release(): void {
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    this.state = 'stopped';
    this.child?.unref();
  }

  /** SIGTERM (the replica drains), SIGKILL after graceMs; no restart afterwards. */
  async stop(graceMs: number): Promise<void> {
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    const child = this.child;
    const wasReady = this.state === 'ready';
    this.state = 'stopping';
    if (wasReady) this.emit('unready');
    if (!child || child.pid === undefined) {
      this.state = 'stopped';
      return;
    }
    const stopped = once(this, 'stopped');
    killGroup(child.pid, 'SIGTERM');
    const timer = setTimeout(() => killGroup(child.pid!, 'SIGKILL'), graceMs);
    await stopped;
    clearTimeout(timer);
  }
}

/** 137 from a container engine's client → SIGKILL: the container's process died by that signal. */
function bySignal(code: number | null, signal: NodeJS.Signals | null): { code: number | null; signal: NodeJS.Signals | null } {
  if (signal !== null || code === null || code <= 128) return { code, signal };
  const name = Object.entries(constants.signals).find(([, n]) => n === code - 128)?.[0] as NodeJS.Signals | undefined;
  return name ? { code: null, signal: name } : { code, signal };
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is already gone
  }
}

async function probe(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}
