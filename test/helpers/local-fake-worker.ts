/**
 * Stand-in load worker for the local backend's tests, following the worker
 * contract: ClosedLoadJob JSON on stdin, progress JSON lines on stderr, a
 * LoadJobResult JSON line on stdout (also after SIGTERM, then aborted: true).
 * Each level sends `users` requests, one after another.
 */
import http from 'node:http';
import { text } from 'node:stream/consumers';
import type { ClosedLoadJob, LoadJobResult } from '../../experiments/load/protocol/schema.js';
import type { Step } from '../../experiments/contracts/domain.js';

const job = JSON.parse(await text(process.stdin)) as ClosedLoadJob;
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const steps: Step[] = [];
let aborted = false;

function post(id: string): Promise<{ servedBy: string; ms: number; ok: boolean }> {
  const body = JSON.stringify({ id, image: 'aGVsbG8=' });
  const t0 = performance.now();
  return new Promise((resolve) => {
    const req = http.request(new URL('/api/object_detection', job.url), { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ servedBy: String(res.headers['x-served-by'] ?? ''), ms: performance.now() - t0, ok: res.statusCode === 200 }));
    });
    req.on('error', () => resolve({ servedBy: '', ms: performance.now() - t0, ok: false }));
    req.end(body);
  });
}

function finish(): void {
  const cpu = process.cpuUsage();
  const result: LoadJobResult = { kind: 'closed', steps, loadGenCpu: (cpu.user + cpu.system) / 1e6 / Math.max(process.uptime(), 0.001), aborted };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}
process.on('SIGTERM', () => {
  aborted = true;
  finish();
});

for (const users of job.levels) {
  const startedAt = new Date().toISOString();
  const perReplica: Record<string, number> = {};
  const latencies: number[] = [];
  let successes = 0;
  for (let i = 0; i < users; i++) {
    const r = await post(`${users}-${i}`);
    latencies.push(r.ms);
    if (r.ok) successes++;
    if (r.servedBy) perReplica[r.servedBy] = (perReplica[r.servedBy] ?? 0) + 1;
  }
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  const mean = latencies.reduce((a, b) => a + b, 0) / Math.max(latencies.length, 1);
  steps.push({
    users, startedAt, durationS: 0, requests: users, successes, errors: { status: users - successes, body: 0, 'id-mismatch': 0, timeout: 0, connection: 0 },
    latencyMs: { mean, p50: at(0.5), p90: at(0.9), p95: at(0.95), p99: at(0.99), max: sorted.at(-1) ?? 0 },
    qps: { avg: 0, max: 0 }, perSecond: [], passed: successes === users, stable: true, loadGenCpu: 0, perReplica, histogram: '', bytesPerS: 0,
  });
  process.stderr.write(`${JSON.stringify({ type: 'progress', users, qps: 0, errors: users - successes, t: process.uptime() })}\n`);
  if (job.holdS > 0) await new Promise((r) => setTimeout(r, job.holdS * 1000));
}
finish();
