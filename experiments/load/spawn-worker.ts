/**
 * Runs the load worker as a child process and speaks its protocol, for any
 * LoadExecutor whose worker runs on this machine (fake and local backends).
 * The child gets its own process, so its CPU can be pinned or limited apart
 * from the replicas'.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import type { LoadJob, LoadJobResult } from './types.js';
import type { Progress } from './run-job.js';

export const WORKER_PATH = fileURLToPath(new URL('./worker.ts', import.meta.url));

export interface SpawnWorkerOptions {
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
  /** wraps the command, e.g. ['ip', 'netns', 'exec', 'cd-remote'] or ['taskset', '-c', '1'] */
  prefix?: string[];
  env?: NodeJS.ProcessEnv;
}

export function spawnWorker(job: LoadJob, opts: SpawnWorkerOptions = {}): Promise<LoadJobResult> {
  const argv = [...(opts.prefix ?? []), process.execPath, '--import', 'tsx', WORKER_PATH];
  const [cmd, ...args] = argv as [string, ...string[]];
  const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], env: opts.env ?? process.env });
  const onAbort = () => child.kill('SIGTERM');
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  let stdout = '';
  let lastError = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  createInterface({ input: child.stderr }).on('line', (line) => {
    try {
      const msg = JSON.parse(line) as { type?: string; message?: string };
      if (msg.type === 'progress') opts.onProgress?.(msg as Progress);
      else if (msg.type === 'error') lastError = msg.message ?? line;
    } catch {
      lastError = line;
    }
  });
  child.stdin.end(JSON.stringify(job));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      opts.signal?.removeEventListener('abort', onAbort);
      if (code !== 0) return reject(new Error(`load worker exited with ${code ?? signal}: ${lastError || 'no message'}`));
      try {
        resolve(JSON.parse(stdout) as LoadJobResult);
      } catch {
        reject(new Error(`load worker printed no result: ${lastError || stdout.slice(0, 200)}`));
      }
    });
  });
}
