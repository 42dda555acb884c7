/**
 * `npx tsx bench/service.ts`: one replica on loopback, confined to 0.5 CPU
 * and to 1 CPU (cgroup v1 or v2 quota, when root), loaded by autocannon at
 * concurrency 1, 2, 4, 8 with the inputfolder images and then with only the
 * largest one. Baseline, measured in the same cgroup in the same run: raw
 * session.run images/s with the same thread count; the ratio served/raw is
 * the serving overhead (decode, HTTP, JSON, queue).
 *
 * Env: BENCH_SECONDS per level (default 3), MODEL_PATH, IMAGES_DIR.
 * `--raw <model>` is the child mode that measures the baseline.
 */
import autocannon from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { quantileSorted } from 'simple-statistics';
import { loadModelFamily, preprocess } from '../model/families/index.js';
import { readCpuLimit } from '../service/cgroup-cpu.js';
import { openRunner } from '../service/infer.js';
import { Timings } from '../service/timing.js';

const repoRoot = resolve(fileURLToPath(import.meta.url), '../..');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const LEVELS = [1, 2, 4, 8];

function firstExisting(paths: string[]): string | undefined {
  return paths.find((p) => existsSync(p));
}

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

// ---- cgroup ---------------------------------------------------------------

interface CpuBox {
  label: string;
  cores: number;
  /** shell prefix that moves the shell into the cgroup(s) before exec */
  enter: string;
  enforced: boolean;
  /** bytes the cgroup peaked at, when a memory limit is in force */
  memoryPeak(): number | undefined;
  /** OOM kills in the cgroup, when known */
  oomKills(): number | undefined;
  remove(): void;
}

const MEMORY_MI = 512;

/** A pod-like cgroup: `cores` CPU quota and a 512 MiB memory limit (v1 hierarchies, or v2). */
function cpuBox(cores: number): CpuBox {
  const name = `clouddetect-bench-${process.pid}-${cores * 100}`;
  const period = 100_000;
  const quota = Math.round(cores * period);
  const limitBytes = MEMORY_MI * 1024 * 1024;
  const label = `${cores} CPU`;
  const made: string[] = [];
  const mk = (dir: string): string => {
    mkdirSync(dir);
    made.push(dir);
    return dir;
  };
  const remove = (): void => {
    for (const dir of made.reverse()) rmdirSync(dir);
  };
  try {
    if (existsSync('/sys/fs/cgroup/cpu/cpu.cfs_quota_us')) {
      const cpu = mk(join('/sys/fs/cgroup/cpu', name));
      writeFileSync(join(cpu, 'cpu.cfs_period_us'), String(period));
      writeFileSync(join(cpu, 'cpu.cfs_quota_us'), String(quota));
      const mem = existsSync('/sys/fs/cgroup/memory/memory.limit_in_bytes') ? mk(join('/sys/fs/cgroup/memory', name)) : undefined;
      if (mem) writeFileSync(join(mem, 'memory.limit_in_bytes'), String(limitBytes));
      const read = (file: string): string | undefined => (mem ? readFileSync(join(mem, file), 'utf8') : undefined);
      return {
        label: mem ? `${label}, ${MEMORY_MI} Mi` : label,
        cores,
        enter: `echo $$ > ${cpu}/cgroup.procs && ${mem ? `echo $$ > ${mem}/cgroup.procs && ` : ''}`,
        enforced: true,
        memoryPeak: () => (mem ? Number(read('memory.max_usage_in_bytes')) : undefined),
        oomKills: () => (mem ? Number(/oom_kill (\d+)/.exec(read('memory.oom_control') ?? '')?.[1] ?? 0) : undefined),
        remove,
      };
    }
    if (existsSync('/sys/fs/cgroup/cgroup.controllers')) {
      const dir = mk(join('/sys/fs/cgroup', name));
      writeFileSync(join(dir, 'cpu.max'), `${quota} ${period}`);
      const hasMem = existsSync(join(dir, 'memory.max'));
      if (hasMem) writeFileSync(join(dir, 'memory.max'), String(limitBytes));
      const read = (file: string): string => readFileSync(join(dir, file), 'utf8');
      return {
        label: hasMem ? `${label}, ${MEMORY_MI} Mi` : label,
        cores,
        enter: `echo $$ > ${dir}/cgroup.procs && `,
        enforced: true,
        memoryPeak: () => (existsSync(join(dir, 'memory.peak')) ? Number(read('memory.peak')) : undefined),
        oomKills: () => (hasMem ? Number(/oom_kill (\d+)/.exec(read('memory.events'))?.[1] ?? 0) : undefined),
        remove,
      };
    }
  } catch (err) {
    remove();
    console.warn(`bench: cannot create a cgroup (${(err as Error).message.split('\n')[0]}); running ${label} unconfined`);
  }
  return { label: `${label} (NOT enforced)`, cores, enter: '', enforced: false, memoryPeak: () => undefined, oomKills: () => undefined, remove: () => {} };
}

function spawnIn(box: CpuBox, args: string[], env: Record<string, string>): ChildProcess {
  const cmd = [process.execPath, '--import', 'tsx', ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return spawn('sh', ['-c', `${box.enter}exec ${cmd}`], { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
}

async function rawBaseline(box: CpuBox, modelPath: string): Promise<number> {
  const child = spawnIn(box, ['bench/service.ts', '--raw', modelPath], {});
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((r) => child.on('exit', r));
  if (code !== 0) throw new Error(`raw baseline exited with ${code}`);
  return (JSON.parse(out) as { imagesPerS: number }).imagesPerS;
}

// ---- the replica under load ----------------------------------------------

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as { port: number };
  await new Promise((r) => srv.close(r));
  return port;
}

async function startReplica(box: CpuBox, modelPath: string): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawnIn(box, ['service/main.ts'], { PORT: String(port), MODEL_PATH: modelPath, POD_NAME: 'bench', LOG_LEVEL: 'warn', QUEUE_LENGTH: '32' });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`replica exited with ${child.exitCode}`);
    if ((await fetch(`${url}/readyz`).then((r) => r.status, () => 0)) === 200) return { url, child };
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('replica not ready after 60 s');
}

function peakRssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

interface Row {
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

interface LoadResult {
  imagesPerS: number;
  p50: number;
  p95: number;
  p99: number;
  errors: number;
  statuses: Record<number, number>;
}

async function load(url: string, bodies: string[], connections: number, seconds = SECONDS): Promise<LoadResult> {
  const latencies: number[] = [];
  const statuses: Record<number, number> = {};
  let instance!: autocannon.Instance;
  const done = new Promise<autocannon.Result>((resolveResult, reject) => {
    instance = autocannon({
    url: `${url}/api/object_detection`,
    connections,
    duration: seconds,
    timeout: 30,
    requests: bodies.map((body) => ({ method: 'POST' as const, headers: { 'content-type': 'application/json' }, body })),
    }, (err, result) => (err ? reject(err) : resolveResult(result)));
  });
  instance.on('response', (_client, status, _bytes, ms) => {
    statuses[status] = (statuses[status] ?? 0) + 1;
    if (status === 200) latencies.push(ms);
  });
  const result = await done;
  latencies.sort((a, b) => a - b);
  const q = (p: number): number => (latencies.length ? quantileSorted(latencies, p) : NaN);
  return {
    imagesPerS: latencies.length / (result.duration || seconds),
    p50: q(0.5),
    p95: q(0.95),
    p99: q(0.99),
    errors: result.errors + result.timeouts + result.non2xx,
    statuses,
  };
}

function imagesIn(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((f) => /\.(jpe?g|png|webp)$/i.test(f)).map((f) => join(dir, f)) : [];
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

function body(file: string, i: number): string {
  return JSON.stringify({ id: `bench-${i}`, image: readFileSync(file).toString('base64') });
}

function fmt(n: number, digits = 1): string {
  return Number.isFinite(n) ? n.toFixed(digits) : '-';
}

async function main(): Promise<void> {
  const modelPath = process.env.MODEL_PATH ?? firstExisting([join(repoRoot, 'model/default.onnx'), resolve(repoRoot, '../shared/model/yolox_nano.onnx')]);
  const dirs = process.env.IMAGES_DIR ? [process.env.IMAGES_DIR] : [join(repoRoot, 'inputfolder'), resolve(repoRoot, '../shared/inputfolder')];
  const files = dirs.map(imagesIn).find((list) => list.length > 0) ?? [];
  if (!modelPath || files.length === 0) {
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
  console.log(`model ${modelPath}; ${SECONDS} s per level; load generator: autocannon in this process\n`);

  const rows: Row[] = [];
  const summary: string[] = [];
  for (const cores of [0.5, 1]) {
    const box = cpuBox(cores);
    let replica: ChildProcess | undefined;
    try {
      const raw = await rawBaseline(box, modelPath);
      const { url, child } = await startReplica(box, modelPath);
      replica = child;
      for (const set of sets) {
        for (const c of LEVELS) {
          const r = await load(url, set.bodies, c);
          rows.push({ cpu: box.label, images: set.name, concurrency: c, ...r, ratio: r.imagesPerS / raw });
        }
      }
      const rss = peakRssMiB(child.pid!);
      const flood = await load(url, [floodBody], FLOOD_CONNECTIONS, SECONDS * 2);
      const peak = box.memoryPeak();
      summary.push([
        `${box.label}: raw session.run ${fmt(raw)} images/s; replica peak RSS ${fmt(rss, 0)} MiB under the levels above`,
        `  flood (${FLOOD_CONNECTIONS} connections, ${fmt(floodBody.length / 2 ** 20)} MiB bodies, ${SECONDS * 2} s): statuses ${JSON.stringify(flood.statuses)},`,
        `  connection errors ${flood.errors - (flood.statuses[503] ?? 0)}, peak RSS ${fmt(peakRssMiB(child.pid!), 0)} MiB`
          + `${peak === undefined ? '' : `, cgroup peak ${fmt(peak / 2 ** 20, 0)} MiB`}, OOM kills ${box.oomKills() ?? 'unknown'}, replica alive: ${child.exitCode === null}`,
      ].join('\n'));
    } finally {
      replica?.kill('SIGTERM');
      if (replica && replica.exitCode === null) await new Promise((r) => replica!.on('exit', r));
      box.remove();
    }
  }

  console.log('| cpu | images | conc | images/s | p50 ms | p95 ms | p99 ms | errors | served/raw |');
  console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    console.log(`| ${r.cpu} | ${r.images} | ${r.concurrency} | ${fmt(r.imagesPerS)} | ${fmt(r.p50, 0)} | ${fmt(r.p95, 0)} | ${fmt(r.p99, 0)} | ${r.errors} | ${fmt(r.ratio, 2)} |`);
  }
  console.log(`\n${summary.join('\n')}\nserved/raw goal: >= 0.9 at the best concurrency`);
}

if (process.argv[2] === '--raw') await rawMode(process.argv[3]!);
else await main();
