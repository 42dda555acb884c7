/**
 * One service replica (service/main.ts) started in a CpuBox on a free
 * loopback port, ready when /readyz says so, and stopped with SIGTERM.
 */
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { REPLICA_RUNTIME_ENV } from '../../experiments/deploy/model-env.js';
import { spawnIn, type CpuBox } from './cgroup.js';

export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as { port: number };
  await new Promise((r) => srv.close(r));
  return port;
}

export interface Replica {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** `env` selects what it serves (MODEL_PATH, TASK, POSE_*); logs are kept to warnings. */
export async function startReplica(box: CpuBox, env: Record<string, string>): Promise<Replica> {
  const port = await freePort();
  // what a study replica runs with (experiments/deploy/model-env.ts), so the benches measure the same process
  const child = spawnIn(box, ['service/main.ts'], { ...REPLICA_RUNTIME_ENV, PORT: String(port), POD_NAME: 'bench', LOG_LEVEL: 'warn', QUEUE_LENGTH: '32', ...env });
  const url = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  };
  try {
    await waitReady(`${url}/readyz`, child, 'replica');
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, child, stop };
}

/** Polls `probe` until it answers 200: up to 60 s, and not past the exit of `child`. */
export async function waitReady(probe: string, child: ChildProcess, what: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}`);
    if ((await fetch(probe).then((r) => r.status, () => 0)) === 200) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} not ready after 60 s`);
}

/** The process's peak resident set (VmHWM), MiB. */
export function peakRssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}
