/**
 * The load worker process, in one of two modes:
 *
 *   single (default, the Kubernetes Job): one LoadJob JSON on stdin → one
 *   LoadJobResult JSON on stdout, exit 0.
 *     node --import tsx experiments/load/worker.ts < job.json > result.json
 *
 *   --serve (local executors): one LoadJob per stdin line → one LoadJobResult
 *   per stdout line, in order, until stdin ends. Starting node + tsx and
 *   reading the images costs 1-2 s, paid once per location instead of once
 *   per held level.
 *
 * Progress goes to stderr as JSON lines in both modes. SIGTERM/SIGINT stop the
 * load at once, still print the running job's partial result (aborted: true)
 * and end the process. Exit 2 means a job itself was unusable (bad JSON, bad
 * field, no images).
 */
import { createInterface } from 'node:readline';
import { text } from 'node:stream/consumers';
import { parseLoadJob } from './protocol/schema.js';
import { runLoadJob } from './run-job.js';

const stop = new AbortController();
for (const sig of ['SIGTERM', 'SIGINT'] as const) process.once(sig, () => stop.abort());

async function runOne(raw: string): Promise<void> {
  const job = parseLoadJob(JSON.parse(raw));
  const result = await runLoadJob(job, {
    signal: stop.signal,
    onProgress: (p) => process.stderr.write(`${JSON.stringify(p)}\n`),
  });
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

async function serve(): Promise<void> {
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
  // a signal while idle ends the loop too, not only one mid-job
  stop.signal.addEventListener('abort', () => lines.close(), { once: true });
  for await (const line of lines) {
    if (line.trim()) await runOne(line);
    if (stop.signal.aborted) break;
  }
  process.stdin.destroy();
}

try {
  if (process.argv.includes('--serve')) await serve();
  else await runOne(await text(process.stdin));
  process.exitCode = 0;
} catch (err) {
  process.stderr.write(`${JSON.stringify({ type: 'error', message: (err as Error).message })}\n`);
  process.exitCode = 2;
  process.stdin.destroy();
}
