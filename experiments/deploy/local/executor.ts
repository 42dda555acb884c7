/**
 * Runs the shared load worker (experiments/load/worker.ts) as a child process
 * at one client location: the LoadJob goes in on stdin, progress comes back
 * as JSON lines on stderr, the LoadJobResult as JSON on stdout. An abort
 * SIGTERMs the worker, which still prints its partial result.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import type { LoadExecutor } from '../backend.js';
import type { LoadJob, LoadJobResult } from '../../load/types.js';
import { Step } from '../../record/schema.js';
import type { Cgroup } from './cgroup.js';
import { inCgroupCommand } from './spawn-in-cgroup.js';

// loose: fields the worker adds later pass through to the caller untouched
const LoadJobResultSchema = z.looseObject({
  steps: z.array(Step),
  loadGenCpu: z.number().nonnegative(),
  aborted: z.boolean(),
  rttMs: z.number().nonnegative().optional(),
});

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
}

export function createExecutor(spec: ExecutorSpec): LoadExecutor {
  return {
    async run(job: LoadJob, signal?: AbortSignal): Promise<LoadJobResult> {
      signal?.throwIfAborted();
      const [cmd, ...args] = inCgroupCommand(spec.cgroup, [...spec.prefix, ...spec.command]);
      const child = spawn(cmd!, args, { cwd: spec.cwd, env: { ...process.env, ...spec.env }, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
      const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
      const signalGroup = (sig: NodeJS.Signals) => {
        try {
          process.kill(-child.pid!, sig);
        } catch {
          // already gone
        }
      };
      const untrack = spec.track(() => signalGroup('SIGKILL'));
      let killTimer: NodeJS.Timeout | undefined;
      const onAbort = () => {
        signalGroup('SIGTERM');
        killTimer = setTimeout(() => signalGroup('SIGKILL'), spec.abortGraceMs);
      };
      signal?.addEventListener('abort', onAbort, { once: true });

      let stdout = '';
      child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
      const stderrTail: string[] = [];
      createInterface({ input: child.stderr }).on('line', (line) => {
        const msg = safeJson(line) as { type?: string; message?: string } | undefined;
        if (msg && typeof msg === 'object' && msg.type !== 'error') return spec.log('load-progress', msg);
        stderrTail.push(msg?.message ?? line);
        if (stderrTail.length > 20) stderrTail.shift();
        spec.log('load-stderr', { line });
      });
      child.stdin.on('error', () => undefined); // a worker that dies early closes its stdin; the exit code tells why
      child.stdin.end(JSON.stringify({ ...job, url: spec.url }));

      try {
        const [code, sig] = await exited;
        const text = stdout.trim().split('\n').at(-1) ?? '';
        const parsed = text ? LoadJobResultSchema.safeParse(safeJson(text)) : null;
        if (parsed?.success) return { ...parsed.data, aborted: parsed.data.aborted || Boolean(signal?.aborted) };
        const why = parsed ? z.prettifyError(parsed.error) : 'no result on stdout';
        throw new Error(`load worker failed (exit code ${code}, signal ${sig}): ${why}${stderrTail.length ? `\n${stderrTail.join('\n')}` : ''}`);
      } finally {
        clearTimeout(killTimer);
        signal?.removeEventListener('abort', onAbort);
        untrack();
      }
    },
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
