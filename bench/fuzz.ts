/**
 * `npm run bench -- fuzz`: the seeded fuzz of the tests
 * (bench/lib/fuzz-cases.ts), tens of thousands of cases, against
 * replicas in a 0.5 CPU / 512 MiB cgroup at the default body limit, with
 * the memory target: 0 problems (no 5xx other than overload 503s, no
 * malformed answer, no reset on an HTTP case), peak RSS < 300 MiB, 0 OOM
 * kills.
 *
 * 1. a detection replica (default configuration and model), FUZZ_CASES
 *    (20 000) cases over both detection routes, FUZZ_CONCURRENCY (8) at once;
 * 2. the same replica, two and then eight concurrent 7.6 MiB bodies of
 *    nested brackets ('[' × 4e6 + ']' × 4e6), then one valid request;
 * 3. a pose replica (TASK=pose, the installed models), FUZZ_POSE_CASES
 *    (2 000) cases over the four pose routes.
 *
 * First, in this process: what the structure pre-scan costs on a valid
 * body and on a hostile one, against JSON.parse of the same bytes (the
 * baseline), and the heap JSON.parse builds for 1.9 MiB of nested arrays.
 *
 * The valid image inside the cases is the inputfolder photo whose request
 * is closest to 170 KB. Env: FUZZ_SEED, IMAGES_DIR, MODEL_PATH, and
 * FUZZ_REPLICA_ENV, a JSON object of extra environment for the replicas
 * (e.g. '{"MALLOC_ARENA_MAX":"2"}' to measure glibc with two arenas).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { scanJson } from '../service/json-scan.js';
import { fuzzStream } from './lib/fuzz-cases.js';
import { runFuzz, type FuzzSummary } from './lib/fuzz-run.js';
import { REPO_ROOT as repoRoot } from '../lib/repo-root.js';
import { cpuBox, type CpuBox } from './lib/cgroup.js';
import { benchImages, fmt, modelOrExit } from './lib/load.js';
import { peakRssMiB, startReplica, type Replica } from './lib/replica.js';

const CASES = Number(process.env.FUZZ_CASES ?? 20_000);
const POSE_CASES = Number(process.env.FUZZ_POSE_CASES ?? 2_000);
const CONCURRENCY = Number(process.env.FUZZ_CONCURRENCY ?? 8);
const SEED = Number(process.env.FUZZ_SEED ?? 20261201);
const MAX_BODY = 8 * 1024 * 1024;
const PEAK_GOAL_MIB = 300;
const REPLICA_ENV = JSON.parse(process.env.FUZZ_REPLICA_ENV ?? '{}') as Record<string, string>;
const DETECTION_ROUTES = ['/api/object_detection', '/api/object_detection_image'];
const POSE_ROUTES = ['/api/pose_estimation', '/api/pose_estimation_annotation', '/api/pose_detection', '/api/pose_estimation_image'];

interface Verdict {
  name: string;
  ok: boolean;
  line: string;
}

function photo(): Buffer {
  const files = benchImages();
  if (files.length === 0) throw new Error('bench/fuzz: needs images (npm run images:install, or IMAGES_DIR)');
  return files.map((f) => readFileSync(f)).reduce((best, b) => (Math.abs(b.length - 127_500) < Math.abs(best.length - 127_500) ? b : best));
}

/** A live line (every second on a terminal, every 10 s otherwise): cases done, rate, ETA. */
function progress(label: string, total: number): (done: number) => void {
  const started = Date.now();
  const tty = process.stdout.isTTY === true;
  let shown = started;
  return (done) => {
    const now = Date.now();
    if (now - shown < (tty ? 1000 : 10_000) && done < total) return;
    shown = now;
    const rate = done / ((now - started) / 1000);
    const line = `${label}: ${done}/${total} cases, ${fmt(rate, 0)}/s, ETA ${fmt((total - done) / rate, 0)} s`;
    process.stdout.write(tty ? `\r${line}   ${done === total ? '\n' : ''}` : `${line}\n`);
  };
}

async function memory(box: CpuBox, replica: Replica): Promise<{ rss: number; cgroup: number; ooms: number | undefined; alive: boolean }> {
  const alive = replica.child.exitCode === null && replica.child.signalCode === null;
  return { rss: alive ? peakRssMiB(replica.child.pid!) : NaN, cgroup: ((await box.memoryPeak()) ?? NaN) / 2 ** 20, ooms: await box.oomKills(), alive };
}

function fuzzVerdict(name: string, s: FuzzSummary, mem: Awaited<ReturnType<typeof memory>>): Verdict {
  const ok = s.problemCount === 0 && mem.rss < PEAK_GOAL_MIB && mem.ooms === 0 && mem.alive;
  const line = [
    `${name}: ${s.cases} cases, statuses ${JSON.stringify(s.statuses)}, problems ${s.problemCount}`,
    `  peak RSS ${fmt(mem.rss, 0)} MiB (goal < ${PEAK_GOAL_MIB}), cgroup peak ${fmt(mem.cgroup, 0)} MiB, OOM kills ${mem.ooms ?? 'unknown'}, alive ${mem.alive}`,
    ...s.problems.map((p) => `  problem: ${p}`),
  ].join('\n');
  return { name, ok, line };
}

async function withReplica<T>(env: Record<string, string>, work: (box: CpuBox, replica: Replica) => Promise<T>): Promise<T> {
  const box = await cpuBox(0.5, 'fuzz');
  let replica: Replica | undefined;
  try {
    // The service's own admission defaults (the replica helper raises QUEUE_LENGTH for its throughput bench).
    replica = await startReplica(box, { QUEUE_LENGTH: '', ...env, ...REPLICA_ENV });
    return await work(box, replica);
  } finally {
    await replica?.stop();
    await box.remove();
  }
}

/** Two, then eight, nested-bracket bodies at once; then a valid request must be served. */
async function nestedBodies(url: string, image: Buffer): Promise<Verdict> {
  const nested = `${'['.repeat(4e6)}${']'.repeat(4e6)}`;
  const outcomes: string[] = [];
  let ok = true;
  for (const n of [2, 8]) {
    const answers = await Promise.all(Array.from({ length: n }, async () => {
      const res = await fetch(`${url}/api/object_detection`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: nested }).catch(() => undefined);
      const body = res ? ((await res.json().catch(() => ({}))) as { error?: { code?: string } }) : {};
      return res ? `${res.status} ${body.error?.code ?? ''}` : 'connection error';
    }));
    ok &&= answers.every((a) => /^4\d\d /.test(a) || a === '503 overloaded');
    outcomes.push(`${n} at once: ${answers.join(', ')}`);
  }
  const started = performance.now();
  const valid = await fetch(`${url}/api/object_detection`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: 'after', image: image.toString('base64') }) });
  const validMs = performance.now() - started;
  ok &&= valid.status === 200;
  outcomes.push(`then a valid request: ${valid.status} in ${fmt(validMs, 0)} ms`);
  return { name: 'nested bodies', ok, line: `nested 7.6 MiB bodies: ${outcomes.join('; ')}` };
}

/** Mean ms per call after a warm-up. */
function timeMs(work: () => unknown, runs: number): number {
  for (let i = 0; i < 3; i++) work();
  const started = performance.now();
  for (let i = 0; i < runs; i++) work();
  return (performance.now() - started) / runs;
}

function scanCost(image: Buffer): string {
  const valid = Buffer.from(JSON.stringify({ id: 'scan', image: image.toString('base64') }));
  const largest = Buffer.from(JSON.stringify({ id: 'scan', image: 'A'.repeat(MAX_BODY - 32) }));
  const nested = Buffer.from(`${'['.repeat(1e6)}${']'.repeat(1e6)}`);
  const row = (name: string, body: Buffer, runs: number): string => {
    const scan = timeMs(() => scanJson(body), runs);
    const parse = timeMs(() => JSON.parse(body.toString('utf8')), Math.max(1, Math.floor(runs / 10)));
    return `  ${name}: pre-scan ${fmt(scan * 1000, 1)} µs, JSON.parse ${fmt(parse * 1000, 0)} µs (scan/parse ${fmt(scan / parse, 3)})`;
  };
  const heap0 = process.memoryUsage().heapUsed;
  const started = performance.now();
  let parsed: unknown = JSON.parse(nested.toString('latin1'));
  const parseMs = performance.now() - started;
  const grown = (process.memoryUsage().heapUsed - heap0) / 2 ** 20;
  let depth = 0;
  for (; Array.isArray(parsed) && parsed.length > 0; depth++) parsed = (parsed as unknown[])[0];
  return [
    'structure pre-scan (service/json-scan.ts) against JSON.parse of the same bytes, in this process:',
    row(`valid ${fmt(valid.length / 1024, 0)} KiB request`, valid, 200),
    row(`valid ${fmt(largest.length / 2 ** 20, 0)} MiB request`, largest, 10),
    `  1.9 MiB of nested arrays: pre-scan refuses it in ${fmt(timeMs(() => scanJson(nested), 100) * 1000, 1)} µs; JSON.parse takes ${fmt(parseMs, 0)} ms and grows the heap by ${fmt(grown, 0)} MiB (${depth + 1} arrays)`,
  ].join('\n');
}

async function main(): Promise<void> {
  const model = modelOrExit('fuzz');
  const image = photo();
  console.log(`seed ${SEED}; body limit ${MAX_BODY / 2 ** 20} MiB; ${CONCURRENCY} cases at once; photo ${fmt(image.length / 1024, 0)} KiB; replicas at 0.5 CPU, 512 MiB; extra replica env ${JSON.stringify(REPLICA_ENV)}\n`);
  console.log(`${scanCost(image)}\n`);
  const verdicts: Verdict[] = [];

  await withReplica({ MODEL_PATH: model }, async (box, replica) => {
    const summary = await runFuzz({ url: replica.url, routes: DETECTION_ROUTES, cases: fuzzStream(SEED, CASES, image, { maxBytes: MAX_BODY }), concurrency: CONCURRENCY, onCase: progress('detection', CASES) });
    verdicts.push(fuzzVerdict(`detection replica (${box.label})`, summary, await memory(box, replica)));
    const nested = await nestedBodies(replica.url, image);
    const mem = await memory(box, replica);
    verdicts.push({ ...nested, ok: nested.ok && mem.ooms === 0 && mem.alive, line: `${nested.line}\n  afterwards: peak RSS ${fmt(mem.rss, 0)} MiB, cgroup peak ${fmt(mem.cgroup, 0)} MiB, OOM kills ${mem.ooms ?? 'unknown'}, alive ${mem.alive}` });
  });

  const poseModels = ['model/movenet_singlepose_lightning_int8.onnx', 'model/yolov8n_int8.onnx'].map((p) => join(repoRoot, p));
  if (POSE_CASES > 0 && poseModels.every((p) => existsSync(p))) {
    await withReplica({ TASK: 'pose' }, async (box, replica) => {
      const summary = await runFuzz({ url: replica.url, routes: POSE_ROUTES, cases: fuzzStream(SEED + 1, POSE_CASES, image, { maxBytes: MAX_BODY }), concurrency: CONCURRENCY, onCase: progress('pose', POSE_CASES) });
      verdicts.push(fuzzVerdict(`pose replica (${box.label})`, summary, await memory(box, replica)));
    });
  } else {
    console.log('pose: skipped (FUZZ_POSE_CASES=0, or the pose models are not installed: npm run model:install)');
  }

  console.log(`\n${verdicts.map((v) => v.line).join('\n')}\n\ngoals: ${verdicts.every((v) => v.ok) ? 'MET' : `NOT met (${verdicts.filter((v) => !v.ok).map((v) => v.name).join(', ')})`} (one run on a shared machine)`);
}

await main();
