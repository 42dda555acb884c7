/**
 * `npm run bench -- seed-design`: this service against the seed assignment's
 * design (Flask + OpenCV DNN, bench/lib/seed-design-server.py) on the same
 * YOLOv3-tiny: the cfg from ../shared/model/, seeded random weights (seed 1)
 * given to OpenCV as Darknet weights and to this service converted by
 * model/convert.ts, so both run the same network. Each runs alone in a
 * 0.5 CPU / 512 MiB cgroup; the load is 4 closed-loop fetch clients
 * cycling the inputfolder images, in this process, outside both cgroups,
 * after a warm-up of 8 single requests. Goal (issue 18): at least 3 × the seed design's images/s.
 * It also prints the bound inference alone puts on that ratio: raw
 * session.run CPU per image (one thread, in this process) → the most images/s
 * 0.5 CPU can give with nothing else spent.
 * Needs /usr/bin/python3 with cv2 and flask (`npm run setup` installs them).
 * Env: BENCH_SECONDS (default 10). About 40 s.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inCgroupCommand } from '../lib/cgroup/join.js';
import { REPO_ROOT as repoRoot } from '../lib/repo-root.js';
import { randomWeights } from '../model/darknet/random-weights.js';
import { convertDarknetFiles } from '../model/convert.js';
import { loadModelFamily, preprocess } from '../model/families/index.js';
import { openRunner } from '../service/infer.js';
import { Timings } from '../service/timing.js';
import { cpuBox, type CpuBox } from './lib/cgroup.js';
import { quantileSorted } from 'simple-statistics';
import { benchImages, fmt, imageBody } from './lib/load.js';
import { freePort, startReplica, waitReady } from './lib/replica.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = 4;
const CPU = 0.5;
const GOAL = 3;
const PYTHON = '/usr/bin/python3';

const shared = join(repoRoot, '..', 'shared', 'model');
const cfg = join(shared, 'yolov3-tiny.cfg');
const names = join(shared, 'coco.names');
const files = benchImages();
const missing = [
  !existsSync(cfg) && `${cfg} (the YOLOv3-tiny cfg)`,
  !existsSync(names) && `${names}`,
  files.length === 0 && 'images (npm run images:install)',
  spawnSync(PYTHON, ['-c', 'import cv2, flask']).status !== 0 && `${PYTHON} with cv2 and flask (apt-get install python3-opencv python3-flask)`,
].filter((m): m is string => typeof m === 'string');
if (missing.length > 0) {
  console.error(`bench/seed-design: needs ${missing.join('; ')}`);
  process.exit(2);
}
const bodies = files.map(imageBody);

interface Run {
  imagesPerS: number;
  meanMs: number;
  p50: number;
  p95: number;
  errors: number;
}

/**
 * CONNECTIONS closed-loop clients with fetch for `seconds`, after 8 single warm-up requests.
 * Not autocannon: the seed's Flask server closes the connection after every answer, and
 * autocannon then had more requests in flight than connections (mean latency three times
 * N / X), work the server did but the run did not count. fetch opens a connection per request
 * there and keeps them alive here, and Little's law holds for both (the table's check).
 */
async function measure(url: string): Promise<Run> {
  const post = async (body: string): Promise<boolean> => {
    const r = await fetch(`${url}/api/object_detection`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    await r.arrayBuffer();
    return r.status === 200;
  };
  for (const body of bodies.slice(0, 8)) if (!(await post(body))) throw new Error(`${url}: a warm-up request failed`);
  const latencies: number[] = [];
  let errors = 0;
  const start = performance.now();
  const end = start + SECONDS * 1000;
  await Promise.all(Array.from({ length: CONNECTIONS }, async (_, c) => {
    for (let i = c; performance.now() < end; i += CONNECTIONS) {
      const t = performance.now();
      if (await post(bodies[i % bodies.length]!)) latencies.push(performance.now() - t);
      else errors += 1;
    }
  }));
  const elapsedS = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    imagesPerS: latencies.length / elapsedS,
    meanMs: latencies.reduce((a, b) => a + b, 0) / latencies.length,
    p50: quantileSorted(latencies, 0.5),
    p95: quantileSorted(latencies, 0.95),
    errors,
  };
}

async function seedDesign(box: CpuBox, weights: string): Promise<Run> {
  const port = await freePort();
  const [cmd, ...args] = inCgroupCommand(box.cgroup, [PYTHON, join(repoRoot, 'bench/lib/seed-design-server.py'), cfg, weights, names, String(port)]);
  const child = spawn(cmd!, args, { cwd: repoRoot, stdio: ['ignore', 'ignore', 'ignore'] });
  try {
    const url = `http://127.0.0.1:${port}`;
    await waitReady(`${url}/healthz`, child, 'seed design server');
    return await measure(url);
  } finally {
    child.kill('SIGTERM');
  }
}

async function ours(box: CpuBox, model: string): Promise<Run> {
  const replica = await startReplica(box, { MODEL_PATH: model });
  try {
    return await measure(replica.url);
  } finally {
    await replica.stop();
  }
}

/** CPU ms of one session.run on the first image's tensor, the mean of 20 after 5 warm-ups. */
async function rawRunMs(model: string): Promise<number> {
  const runner = await openRunner(model, 1);
  try {
    const family = await loadModelFamily(model, { session: runner.session });
    const pre = await preprocess(await readFile(files[0]!), family.input, { maxPixels: 1e8 });
    const feed = { name: family.input.name, data: pre.tensor, dims: pre.dims };
    for (let i = 0; i < 5; i++) await runner.run(feed, family.outputName, new Timings());
    const start = process.cpuUsage();
    for (let i = 0; i < 20; i++) await runner.run(feed, family.outputName, new Timings());
    const used = process.cpuUsage(start);
    return (used.user + used.system) / 1000 / 20;
  } finally {
    await runner.release();
  }
}

/** With Little's law as a check: closed connections with no think time, so the mean latency should be N / X. */
function row(name: string, r: Run): string {
  return `| ${name} | ${fmt(r.imagesPerS)} | ${fmt(r.meanMs, 0)} | ${fmt((CONNECTIONS / r.imagesPerS) * 1000, 0)} | ${fmt(r.p50, 0)} | ${fmt(r.p95, 0)} | ${r.errors} |`;
}

const dir = await mkdtemp(join(tmpdir(), 'clouddetect-seed-design-'));
try {
  const weights = join(dir, 'yolov3-tiny.weights');
  await writeFile(weights, randomWeights(await readFile(cfg, 'utf8'), 1));
  const model = join(dir, 'yolov3-tiny.onnx');
  await convertDarknetFiles({ cfg, weights, names, out: model });
  const results: Run[] = [];
  for (const run of [(box: CpuBox) => seedDesign(box, weights), (box: CpuBox) => ours(box, model)]) {
    const box = await cpuBox(CPU, 'bench-seed');
    try {
      results.push(await run(box));
    } finally {
      await box.remove();
    }
  }
  const [seed, service] = results as [Run, Run];
  const ratio = service.imagesPerS / seed.imagesPerS;
  console.log(`YOLOv3-tiny (seeded random weights), ${files.length} images, ${CONNECTIONS} connections, ${SECONDS} s each after 8 single warm-up requests, ${CPU} CPU / 512 Mi each, one run\n`);
  console.log(`| design | images/s | mean ms | N/X ms (N = ${CONNECTIONS}) | p50 ms | p95 ms | errors |\n|---|---:|---:|---:|---:|---:|---:|`);
  console.log(row('seed: Flask + OpenCV DNN (baseline)', seed));
  console.log(row('this service', service));
  const runMs = await rawRunMs(model);
  const bound = (CPU * 1000) / runMs;
  console.log(`\nratio this service / seed design: ${fmt(ratio, 2)} (goal >= ${GOAL}: ${ratio >= GOAL ? 'met' : 'NOT met'})`);
  console.log(`inference alone: session.run ${fmt(runMs, 1)} ms of CPU per image (1 thread) → at most ${fmt(bound)} images/s at ${CPU} CPU, ${fmt(bound / seed.imagesPerS, 2)} × the seed design; this service serves ${fmt(service.imagesPerS / bound, 2)} of that bound`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
