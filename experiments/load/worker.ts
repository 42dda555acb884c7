/**
 * The load worker process: one LoadJob JSON on stdin → progress JSON lines on
 * stderr → one LoadJobResult JSON on stdout, exit 0. SIGTERM/SIGINT stop the
 * load at once and still print the partial result (aborted: true). Exit 2
 * means the job itself was unusable (bad JSON, bad field, no images).
 *
 *   node --import tsx experiments/load/worker.ts < job.json > result.json
 */
import { text } from 'node:stream/consumers';
import { parseLoadJob } from './job-schema.js';
import { runLoadJob } from './run-job.js';

const stop = new AbortController();
for (const sig of ['SIGTERM', 'SIGINT'] as const) process.once(sig, () => stop.abort());

try {
  const job = parseLoadJob(JSON.parse(await text(process.stdin)));
  const result = await runLoadJob(job, {
    signal: stop.signal,
    onProgress: (p) => process.stderr.write(`${JSON.stringify(p)}\n`),
  });
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exitCode = 0;
} catch (err) {
  process.stderr.write(`${JSON.stringify({ type: 'error', message: (err as Error).message })}\n`);
  process.exitCode = 2;
}
