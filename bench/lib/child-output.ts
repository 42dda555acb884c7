/**
 * A child process a bench waits on: its stdout once it exits 0.
 */
import type { spawn } from 'node:child_process';

export function childOutput(child: ReturnType<typeof spawn>, what: string): Promise<string> {
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${what} exited with ${code}`))));
  });
}
