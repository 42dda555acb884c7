/**
 * The real service entry point (service/main.ts) as a child process, for
 * tests that need its configuration checks, start-up and signal handling.
 * Register `stopServices` in afterEach so no replica outlives its test.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from '../../experiments/deploy/local/free-port.js';
import { repoRoot } from './service.js';

export interface ServiceChild {
  proc: ChildProcess;
  url: string;
  stdout: () => string;
  stderr: () => string;
  /** stdout and stderr interleaved as they arrived */
  output: () => string;
  exited: Promise<number | null>;
}

const children: ServiceChild[] = [];

/** Starts `node --import tsx service/main.ts` with only PATH, HOME, a free PORT and `env`. */
export async function launchService(env: Record<string, string>): Promise<ServiceChild> {
  const port = env.PORT ?? String(await freePort());
  const proc = spawn(process.execPath, ['--import', 'tsx', 'service/main.ts'], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: port, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  let all = '';
  proc.stdout!.on('data', (d: Buffer) => { out += d.toString(); all += d.toString(); });
  proc.stderr!.on('data', (d: Buffer) => { err += d.toString(); all += d.toString(); });
  const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
  const child = { proc, url: `http://127.0.0.1:${port}`, stdout: () => out, stderr: () => err, output: () => all, exited };
  children.push(child);
  return child;
}

export async function waitReady(child: ServiceChild, timeoutS = 60): Promise<void> {
  for (let i = 0; i < timeoutS * 10; i++) {
    if (child.proc.exitCode !== null) assert.fail(`service exited with ${child.proc.exitCode}: ${child.output()}`);
    if ((await fetch(`${child.url}/readyz`).then((r) => r.status, () => 0)) === 200) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`service not ready after ${timeoutS} s: ${child.output()}`);
}

/** SIGKILLs every service still running and waits for them to exit. */
export async function stopServices(): Promise<void> {
  const running = children.splice(0);
  for (const c of running) if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL');
  await Promise.all(running.map((c) => c.exited));
}
