/**
 * `npx tsx bench/service.ts`: one replica on loopback, confined to 0.5 CPU
 * and to 1 CPU (cgroup v1 or v2 quota, when root), loaded by autocannon at
 * concurrency 1, 2, 4, 8 with the inputfolder images and then with only the
 * largest one. Baseline, measured in the same cgroup in the same run: raw
 * session.run images/s with the same thread count; the ratio served/raw is
 * the serving overhead (decode, HTTP, JSON, queue).
 *
 * Env: BENCH_SECONDS per level (default 3), MODEL_PATH (default: model/default.onnx and, when
 * installed, model/yolov8n_int8.onnx), IMAGES_DIR.
 * `--raw <model>` is the child mode that measures the baseline.
 */
import { basename, join } from 'node:path';
import sharp from 'sharp';
import { loadModelFamily, preprocess } from '../model/families/index.js';
import { readCpuLimit } from '../lib/cgroup/own-limits.js';
import { openRunner } from '../service/infer.js';
import { Timings } from '../service/timing.js';
import { REPO_ROOT as repoRoot } from '../lib/repo-root.js';
import { cpuBox, spawnIn, type CpuBox } from './lib/cgroup.js';
import { benchImages, defaultModel, firstExisting, fmt, imageBody as body, load, stageBreakdown } from './lib/load.js';
import { peakRssMiB, startReplica, type Replica } from './lib/replica.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const LEVELS = [1, 2, 4, 8];


// ---- child mode: raw session.run throughput -------------------------------

async function rawMode(modelPath: string): Promise<void> {
  const { threads } = await readCpuLimit();
  const runner = await openRunner(modelPath, threads);
  const family = await loadModelFamily(modelPath, { session: runner.session });
  const image = await sharp({ create: { width: 640, height: 480, channels: 3, background: { r: 90, g: 120, b: 150 } } }).jpeg().toBuffer();
  const pre = await preprocess(image, family.input, { maxPixels: 1e8 });
  const input = { name: family.input.name, data: pre.tensor, dims: pre.dims };
  for (let i = 0; i < 3; i++) await runner.run(input, family.outputName, new Timings());
  let runs = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < SECONDS * 1000) {
    await runner.run(input, family.outputName, new Timings());
    runs += 1;
  }
  process.stdout.write(JSON.stringify({ imagesPerS: runs / ((performance.now() - t0) / 1000), threads }));
}

// ---- baseline in the box -------------------------------------------------

async function rawBaseline(box: CpuBox, modelPath: string): Promise<number> {
  const child = spawnIn(box, ['bench/service.ts', '--raw', modelPath], {});
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((r) => child.on('exit', r));
  if (code !== 0) throw new Error(`raw baseline exited with ${code}`);
  return (JSON.parse(out) as { imagesPerS: number }).imagesPerS;
}

// ---- the replica under load ----------------------------------------------

interface Row {
  model: string;
  cpu: string;
  images: string;
  concurrency: number;
  imagesPerS: number;
  p50: number;
  p95: number;
  p99: number;
  errors: number;
  ratio: number;
}

async function largestImage(files: string[]): Promise<string> {
  let best = files[0]!;
  let bestPixels = 0;
  for (const f of files) {
    const m = await sharp(f).metadata();
    if (m.width * m.height > bestPixels) {
      bestPixels = m.width * m.height;
      best = f;
    }
  }
  return best;
}

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

/**
 * The served/raw ratio is bounded by inference / (decode + inference + the
 * rest), so it depends on the model as much as on the service: besides the
 * default, the bench measures the heavier installed YOLOv8n when MODEL_PATH
 * does not pick one model.
 */
function modelsToMeasure(): string[] {
  if (process.env.MODEL_PATH) return [process.env.MODEL_PATH];
  const main = defaultModel();
  const heavier = firstExisting([join(repoRoot, 'model/yolov8n_int8.onnx')]);
  return [main, heavier].filter((m): m is string => m !== undefined);
}

const BREAKDOWN_REQUESTS = 32;

async function main(): Promise<void> {
  const models = modelsToMeasure();
  const files = benchImages();
  if (models.length === 0 || files.length === 0) {
    console.error('bench/service: needs a model (npm run model:install, or MODEL_PATH) and images (npm run images:install, or IMAGES_DIR)');
    process.exit(2);
  }
  const largest = await largestImage(files);
  const largestMeta = await sharp(largest).metadata();
  const sets = [
    { name: `inputfolder (${files.length})`, bodies: files.map(body) },
    { name: `largest ${largestMeta.width}x${largestMeta.height}`, bodies: [body(largest, 0)] },
  ];
  const floodBody = await noisyBody();
  console.log(`models ${models.join(', ')}; ${SECONDS} s per level; load generator: autocannon in this process\n`);

  const rows: Row[] = [];
  const summary: string[] = [];
  for (const modelPath of models) for (const cores of [0.5, 1]) {
    const model = basename(modelPath);
    const box = await cpuBox(cores);
    let replica: Replica | undefined;
    try {
      const raw = await rawBaseline(box, modelPath);
      replica = await startReplica(box, { MODEL_PATH: modelPath });
      const { url, child } = replica;
      const route = `${url}/api/object_detection`;
      for (const set of sets) {
        for (const c of LEVELS) {
          const r = await load(route, set.bodies, c, SECONDS);
          rows.push({ model, cpu: box.label, images: set.name, concurrency: c, ...r, ratio: r.imagesPerS / raw });
        }
      }
      const stages = await stageBreakdown(route, sets[0]!.bodies, BREAKDOWN_REQUESTS);
      const named = ['queue', 'decode', 'inference', 'postprocess'].map((k) => [k, stages[k] ?? 0] as const);
      const outside = (stages.total ?? 0) - named.reduce((sum, [, v]) => sum + v, 0);
      const rss = peakRssMiB(child.pid!);
      const flood = await load(route, [floodBody], FLOOD_CONNECTIONS, SECONDS * 2);
      const peak = await box.memoryPeak();
      summary.push([
        `${model} at ${box.label}: raw session.run ${fmt(raw)} images/s; replica peak RSS ${fmt(rss, 0)} MiB under the levels above`,
        `  one request alone (mean of ${BREAKDOWN_REQUESTS}, ms): ${named.map(([k, v]) => `${k} ${fmt(v)}`).join(', ')}, HTTP/JSON/base64 ${fmt(outside)};`
          + ` served/raw can reach at most inference/total = ${fmt((stages.inference ?? 0) / (stages.total ?? NaN), 2)}`,
        `  flood (${FLOOD_CONNECTIONS} connections, ${fmt(floodBody.length / 2 ** 20)} MiB bodies, ${SECONDS * 2} s): statuses ${JSON.stringify(flood.statuses)},`,
        `  connection errors ${flood.errors - (flood.statuses[503] ?? 0)}, peak RSS ${fmt(peakRssMiB(child.pid!), 0)} MiB`
          + `${peak === undefined ? '' : `, cgroup peak ${fmt(peak / 2 ** 20, 0)} MiB`}, OOM kills ${(await box.oomKills()) ?? 'unknown'}, replica alive: ${child.exitCode === null}`,
      ].join('\n'));
    } finally {
      await replica?.stop();
      await box.remove();
    }
  }

  console.log('| model | cpu | images | conc | images/s | p50 ms | p95 ms | p99 ms | errors | served/raw |');
  console.log('|---|---|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    console.log(`| ${r.model} | ${r.cpu} | ${r.images} | ${r.concurrency} | ${fmt(r.imagesPerS)} | ${fmt(r.p50, 0)} | ${fmt(r.p95, 0)} | ${fmt(r.p99, 0)} | ${r.errors} | ${fmt(r.ratio, 2)} |`);
  }
  console.log(`\n${summary.join('\n')}\nserved/raw goal: >= 0.9 at the best concurrency`);
}

if (process.argv[2] === '--raw') await rawMode(process.argv[3]!);
else await main();
