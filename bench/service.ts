/**
 * `npm run bench -- service`: what one study replica serves, per CPU limit
 * and model. The replica runs in its own cgroup at the CPU limit (and
 * 512 Mi), started as the study starts it (bench/lib/replica.ts); the load
 * is the study's own saturation job (experiments/load: autocannon, no think
 * time, a warm-up per level) run by the study's load worker in a separate
 * process outside the replica's cgroup, so the generator never takes the
 * replica's CPU. Its images/s at 0.5 CPU is the study's 1-replica saturation
 * throughput on this machine.
 *
 * Baseline, measured in the same cgroup in the same run, before and after
 * the served levels (their mean is the baseline; both are printed, so drift
 * of a shared host shows): raw session.run images/s on the inputfolder
 * tensors with the replica's thread count, and the CPU of each stage
 * outside it (preprocess, postprocess). served/raw is
 * the serving overhead; the replica's cgroup CPU per answered request minus
 * the stages is what HTTP, JSON, base64, GC and logging cost.
 *
 * At 1 CPU and above each thread count also runs with one more processing
 * slot (CONCURRENCY) than threads, so a request's decode overlaps the
 * inference before it; the last lines name the best setting per CPU limit.
 *
 * Env: BENCH_SECONDS per level (default 4), BENCH_CPUS (default 0.5,1,2),
 * BENCH_STAGE_IMAGES (default 32: the first inputfolder images, for the baseline),
 * MODEL_PATH (default: model/default.onnx, and the installed
 * model/yolov8n_int8.onnx at 0.5 CPU), IMAGES_DIR.
 * `--raw <model> <images dir> <threads>` is the child mode that measures the baseline.
 */
import { readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import sharp from 'sharp';
import { BufferPool } from '../model/families/buffer-pool.js';
import { loadModelFamily, preprocess, toDetections } from '../model/families/index.js';
import type { SaturationResult } from '../experiments/load/protocol/schema.js';
import { openRunner } from '../service/infer.js';
import { Timings } from '../service/timing.js';
import { REPO_ROOT as repoRoot } from '../lib/repo-root.js';
import { cpuBox, spawnIn, type CpuBox } from './lib/cgroup.js';
import { benchImages, defaultModel, firstExisting, fmt, imageBody, imagesIn, load, stageBreakdown } from './lib/load.js';
import { peakRssMiB, startReplica, type Replica } from './lib/replica.js';
import { childOutput } from './lib/child-output.js';
import { runWorkerOnce } from '../experiments/load/protocol/client.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
const CPUS = (process.env.BENCH_CPUS ?? '0.5,1,2').split(',').map(Number);
const LEVELS = [1, 2, 4, 8];
/** images whose stages the baseline times (after a warm-up pass over the same ones) */
const STAGE_IMAGES = Number(process.env.BENCH_STAGE_IMAGES ?? 32);

// ---- child mode: the baseline, inside the box -----------------------------

interface Raw {
  imagesPerS: number;
  /** CPU ms per image, every thread of the process */
  preprocessMs: number;
  runMs: number;
  postprocessMs: number;
}

function cpuMs(since: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1000;
}

async function rawMode(modelPath: string, imagesDir: string, threads: number): Promise<void> {
  const runner = await openRunner(modelPath, threads);
  const family = await loadModelFamily(modelPath, { session: runner.session });
  const files = imagesIn(imagesDir).slice(0, STAGE_IMAGES).map((f) => readFileSync(f));
  const pool = new BufferPool();
  const tensors = [];
  let preprocessMs = 0;
  let runMs = 0;
  let postprocessMs = 0;
  for (const pass of [0, 1]) {
    for (const image of files) {
      let t = process.cpuUsage();
      const pre = await preprocess(image, family.input, { maxPixels: 1e8, pool });
      const p = cpuMs(t);
      t = process.cpuUsage();
      const out = await runner.run({ name: family.input.name, data: pre.tensor, dims: pre.dims }, family.outputName, new Timings());
      const r = cpuMs(t);
      t = process.cpuUsage();
      toDetections(family.decode(out, 0.5), pre.placement, family.labels, { iouThreshold: 0.45, classWise: true, maxDetections: 100 });
      const d = cpuMs(t);
      // the first pass warms up the JIT and the session
      if (pass === 1) {
        preprocessMs += p / files.length;
        runMs += r / files.length;
        postprocessMs += d / files.length;
        tensors.push({ name: family.input.name, data: pre.tensor.slice(), dims: pre.dims });
      }
      pool.give(pre.tensor.buffer);
    }
  }
  let runs = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < SECONDS * 1000) {
    await runner.run(tensors[runs % tensors.length]!, family.outputName, new Timings());
    runs += 1;
  }
  const raw: Raw = { imagesPerS: runs / ((performance.now() - t0) / 1000), preprocessMs, runMs, postprocessMs };
  process.stdout.write(JSON.stringify(raw));
}

function meanRaw(a: Raw, b: Raw): Raw {
  const mean = (k: keyof Raw) => (a[k] + b[k]) / 2;
  return { imagesPerS: mean('imagesPerS'), preprocessMs: mean('preprocessMs'), runMs: mean('runMs'), postprocessMs: mean('postprocessMs') };
}

/** Per model and CPU limit, the threads and slots that served the most images/s (n = 1 each). */
function bestSettings(measured: Measured[]): string[] {
  const groups = new Map<string, Measured[]>();
  for (const m of measured) {
    const key = `${basename(m.cell.model)} at ${m.cell.cpu} CPU`;
    groups.set(key, [...(groups.get(key) ?? []), m]);
  }
  return [...groups].map(([key, ms]) => {
    const top = ms.reduce((a, b) => (b.best > a.best ? b : a));
    const others = ms.filter((m) => m !== top).map((m) => `${m.cell.threads}/${m.cell.slots}: ${fmt(m.best)}`);
    return `best setting, ${key}: ${top.cell.threads} thread(s), ${top.cell.slots} slot(s), ${fmt(top.best)} images/s${others.length ? ` (threads/slots ${others.join(', ')}; one run each)` : ''}`;
  });
}

async function rawBaseline(box: CpuBox, modelPath: string, imagesDir: string, threads: number): Promise<Raw> {
  return JSON.parse(await childOutput(spawnIn(box, ['bench/service.ts', '--raw', modelPath, imagesDir, String(threads)], {}), 'raw baseline')) as Raw;
}

/** The study's saturation job, run by the study's load worker in its own process, outside every box. */
async function saturation(url: string, imagesDir: string): Promise<SaturationResult> {
  return runWorkerOnce({ kind: 'saturation', task: 'detection', url, imagesDir, timeoutMs: 10_000, seed: 1, concurrencies: LEVELS, durationS: SECONDS, warmupS: 1, maxRequests: 2000 });
}

// ---- the parent -------------------------------------------------------------

const FLOOD_CONNECTIONS = 48;

/** A high-entropy 6 MP JPEG: about as large a body as the default 8 MiB limit lets in, and slow to decode. */
async function noisyBody(): Promise<string> {
  const width = 3000;
  const height = 2000;
  const pixels = Buffer.alloc(width * height * 3);
  for (let i = 0; i < pixels.length; i++) pixels[i] = Math.imul(i, 2654435761) >>> 24;
  const jpeg = await sharp(pixels, { raw: { width, height, channels: 3 } }).jpeg({ quality: 80 }).toBuffer();
  return JSON.stringify({ id: 'flood', image: jpeg.toString('base64') });
}

/** The memory bound: FLOOD_CONNECTIONS clients sending maximal bodies at once. */
async function flood(box: CpuBox, replica: Replica): Promise<string> {
  const body = await noisyBody();
  const r = await load(`${replica.url}/api/object_detection`, [body], FLOOD_CONNECTIONS, SECONDS * 2);
  const peak = await box.memoryPeak();
  return `    flood (${FLOOD_CONNECTIONS} connections, ${fmt(body.length / 2 ** 20)} MiB bodies, ${SECONDS * 2} s): statuses ${JSON.stringify(r.statuses)}, `
    + `peak RSS ${fmt(peakRssMiB(replica.child.pid!), 0)} MiB${peak === undefined ? '' : `, cgroup peak ${fmt(peak / 2 ** 20, 0)} MiB`}, OOM kills ${(await box.oomKills()) ?? 'unknown'}, replica alive: ${replica.child.exitCode === null}`;
}

interface Cell {
  model: string;
  cpu: number;
  threads: number;
  /** the replica's CONCURRENCY: images decoded and inferred at once */
  slots: number;
}

/**
 * Threads by the replica's own rule (⌊quota⌋, at least 1), and at 2 CPU and
 * above also 1; at 1 CPU and above each with one more processing slot than
 * threads, so the next request's decode overlaps the current inference. The
 * measurement picks the best setting per CPU limit.
 */
function cells(models: string[]): Cell[] {
  const out: Cell[] = [];
  for (const [m, model] of models.entries()) {
    for (const cpu of m === 0 ? CPUS : CPUS.filter((c) => c === 0.5)) {
      const own = Math.max(1, Math.floor(cpu));
      for (const threads of own > 1 ? [own, 1] : [own]) {
        for (const slots of cpu >= 1 ? [threads, threads + 1] : [threads]) out.push({ model, cpu, threads, slots });
      }
    }
  }
  return out;
}

interface Measured {
  lines: string[];
  cell: Cell;
  best: number;
}

function modelsToMeasure(): string[] {
  if (process.env.MODEL_PATH) return [process.env.MODEL_PATH];
  return [defaultModel(), firstExisting([join(repoRoot, 'model/yolov8n_int8.onnx')])].filter((m): m is string => m !== undefined);
}

async function measure(cell: Cell, imagesDir: string, breakdownBodies: string[]): Promise<Measured> {
  const box = await cpuBox(cell.cpu, 'bench-service');
  const replica = await startReplica(box, { MODEL_PATH: cell.model, WORKER_THREADS: String(cell.threads), CONCURRENCY: String(cell.slots) }).catch(async (err: unknown) => {
    await box.remove();
    throw err;
  });
  try {
    // The baseline before and after the served levels, so a host that got slower or faster meanwhile shows.
    const rawBefore = await rawBaseline(box, cell.model, imagesDir, cell.threads);
    const before = await box.cpuSeconds();
    const sat = await saturation(`${replica.url}`, imagesDir);
    const after = await box.cpuSeconds();
    const rawAfter = await rawBaseline(box, cell.model, imagesDir, cell.threads);
    const raw = meanRaw(rawBefore, rawAfter);
    const answered = sat.levels.reduce((n, l) => n + l.successes + l.warmupSuccesses, 0);
    const replicaMs = before !== undefined && after !== undefined && answered > 0 ? ((after - before) * 1000) / answered : NaN;
    const stages = await stageBreakdown(`${replica.url}/api/object_detection`, breakdownBodies, 32);
    const best = Math.max(...sat.levels.map((l) => l.throughput));
    const rest = replicaMs - raw.preprocessMs - raw.runMs - raw.postprocessMs;
    const name = `${basename(cell.model)} | ${box.label} | ${cell.threads} | ${cell.slots}`;
    const lines = sat.levels.map((l) =>
      `| ${name} | ${l.concurrency} | ${fmt(l.throughput)} | ${fmt(l.latencyMs.p50, 0)} | ${fmt(l.latencyMs.p95, 0)} | ${fmt(l.latencyMs.p99, 0)} | ${l.requests - l.successes} | ${fmt(l.throughput / raw.imagesPerS, 2)} |`);
    lines.push(
      `  ${name}: raw session.run ${fmt(raw.imagesPerS)} images/s (${fmt(rawBefore.imagesPerS)} before, ${fmt(rawAfter.imagesPerS)} after the served levels); best served ${fmt(best)} images/s, served/raw ${fmt(best / raw.imagesPerS, 2)}; replica peak RSS ${fmt(peakRssMiB(replica.child.pid!), 0)} MiB; load worker ${fmt(sat.loadGenCpu, 3)} cores`,
      `    CPU ms per request: replica (cgroup, all levels) ${fmt(replicaMs, 2)} = session.run ${fmt(raw.runMs, 2)} + preprocess ${fmt(raw.preprocessMs, 2)} + postprocess ${fmt(raw.postprocessMs, 2)} + HTTP/JSON/base64/GC/logs ${fmt(rest, 2)};`
        + ` outside session.run ${fmt(((replicaMs - raw.runMs) / raw.runMs) * 100, 0)} % of it`,
      `    one request alone, wall ms (Server-Timing, mean of 32): ${['queue', 'decode', 'inference', 'postprocess', 'total'].map((k) => `${k} ${fmt(stages[k] ?? NaN)}`).join(', ')}`,
    );
    if (cell.cpu === 0.5 && cell.model === defaultModel()) lines.push(await flood(box, replica));
    return { lines, cell, best };
  } finally {
    await replica.stop();
    await box.remove();
  }
}

async function main(): Promise<void> {
  const models = modelsToMeasure();
  const files = benchImages();
  if (models.length === 0 || files.length === 0) {
    console.error('bench/service: needs a model (npm run model:install, or MODEL_PATH) and images (npm run images:install, or IMAGES_DIR)');
    process.exit(2);
  }
  const imagesDir = dirname(files[0]!);
  console.log(`${files.length} images in ${imagesDir}; ${SECONDS} s per level after 1 s of warm-up; load: the study's saturation job in its own process, outside the replica's cgroup\n`);
  const table = ['| model | cpu | threads | slots | clients | images/s | p50 ms | p95 ms | p99 ms | non-2xx | served/raw |', '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|'];
  const notes: string[] = [];
  const breakdownBodies = files.map(imageBody);
  const measured: Measured[] = [];
  for (const cell of cells(models)) {
    const m = await measure(cell, imagesDir, breakdownBodies);
    measured.push(m);
    table.push(...m.lines.filter((l) => l.startsWith('|')));
    notes.push(...m.lines.filter((l) => !l.startsWith('|')));
  }
  console.log(`${table.join('\n')}\n\n${notes.join('\n')}\n\n${bestSettings(measured).join('\n')}\n\nserved/raw goal: >= 0.8 at 0.5 CPU for the default model`);
}

if (process.argv[2] === '--raw') await rawMode(process.argv[3]!, process.argv[4]!, Number(process.argv[5]));
else await main();
