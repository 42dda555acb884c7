/**
 * The balancer and the WAN proxy each run in a process of their own (so their
 * CPU never counts against a replica or the orchestrator's event loop). This
 * is both sides of the tiny request/reply protocol over the IPC channel; a
 * helper exits as soon as that channel closes, so it dies with its parent.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

interface Reply {
  id: number;
  ok: boolean;
  result?: unknown;
  error?: string;
}

export interface HelperProcess {
  child: ChildProcess;
  port: number;
  call<T = unknown>(op: string, args?: Record<string, unknown>): Promise<T>;
  stop(): Promise<void>;
  /** let the helper outlive this process (it stops exiting when the channel closes) */
  release(): Promise<void>;
}

export async function startHelper(modulePath: string, env: Record<string, string>, opts: { cwd: string; logFd: number }): Promise<HelperProcess> {
  const child = fork(modulePath, [], {
    cwd: opts.cwd,
    env: { ...process.env, ...env },
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', opts.logFd, opts.logFd, 'ipc'],
    // its own process group: a Ctrl-C at the terminal reaches only the parent, which then cleans up in order
    detached: true,
  });
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  const exited = once(child, 'exit');
  const ready = new Promise<number>((resolve, reject) => {
    child.on('message', (msg: { ready?: boolean; port?: number } & Partial<Reply>) => {
      if (msg.ready && typeof msg.port === 'number') return resolve(msg.port);
      const waiter = msg.id !== undefined ? pending.get(msg.id) : undefined;
      if (!waiter) return;
      pending.delete(msg.id!);
      if (msg.ok) waiter.resolve(msg.result);
      else waiter.reject(new Error(msg.error ?? 'helper call failed'));
    });
    void exited.then(([code, signal]) => {
      const err = new Error(`${modulePath} exited (code ${code}, signal ${signal})`);
      reject(err);
      for (const w of pending.values()) w.reject(err);
      pending.clear();
    });
  });
  const port = await ready;
  const call = <T>(op: string, args: Record<string, unknown> = {}) => {
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      child.send({ id, op, ...args });
    });
  };
  return {
    child,
    port,
    call,
    async release() {
      await call('detach');
      child.disconnect();
      child.unref();
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    },
  };
}

type Handler = (args: Record<string, unknown>) => unknown;

/** Child side: announce the port, answer calls, exit when the parent goes away. */
export function serveHelper(port: number, handlers: Record<string, Handler>): void {
  if (!process.send) throw new Error('this module runs as a helper process (forked with an IPC channel)');
  let released = false;
  process.on('disconnect', () => {
    if (!released) process.exit(0);
  });
  process.on('SIGTERM', () => process.exit(0));
  const builtIn: Record<string, Handler> = { detach: () => void (released = true) };
  process.on('message', (msg: { id: number; op: string } & Record<string, unknown>) => {
    const handler = handlers[msg.op] ?? builtIn[msg.op];
    const reply = (r: Omit<Reply, 'id'>) => process.send?.({ id: msg.id, ...r });
    if (!handler) return reply({ ok: false, error: `unknown op ${msg.op}` });
    Promise.resolve()
      .then(() => handler(msg))
      .then((result) => reply({ ok: true, result }), (err: Error) => reply({ ok: false, error: err.message }));
  });
  process.send({ ready: true, port });
}
