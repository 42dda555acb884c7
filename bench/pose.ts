/**
 * `npx tsx bench/pose.ts`: what a pose replica costs next to a detection
 * replica. Each runs alone in a 0.5 CPU + 512 MiB cgroup (the assignment's
 * pod), loaded by autocannon at concurrency 1, 2, 4 with the same
 * inputfolder images that have people in them (found by the pose replica
 * itself on a first pass, which also warms it up). The baseline is the
 * detection replica measured in the same run: pose/detection is the ratio of
 * images/s at the same concurrency. A last pass sends the most crowded
 * image at concurrency 4 and reports the replica's memory peak.
 *
 * images/s is connections / mean latency (Little's law for a closed loop):
 * a pose replica at 0.5 CPU answers about one image a second, so counting
 * the answers in a few seconds would be too coarse.
 *
 * Env: BENCH_SECONDS per level (default 5), BENCH_IMAGES images tried for
 * people (default 12), MODEL_PATH, POSE_MODEL_PATH, POSE_DETECTOR_PATH,
 * IMAGES_DIR.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { REPO_ROOT as repoRoot } from '../lib/repo-root.js';
import { cpuBox, type CpuBox } from './lib/cgroup.js';
import { fmt, imageBody, imagesIn, load, type LoadResult } from './lib/load.js';
import { peakRssMiB, startReplica, type Replica } from './lib/replica.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const TRIED = Number(process.env.BENCH_IMAGES ?? 12);
const LEVELS = [1, 2, 4];
const CORES = 0.5;

function modelFile(envName: string, file: string): string | undefined {
  const candidates = process.env[envName] ? [process.env[envName]!] : [join(repoRoot, 'model', file), resolve(repoRoot, '../shared/model', file)];
  return candidates.find((p) => existsSync(p));
}

interface Measured {
  levels: Map<number, LoadResult>;
  memory: string;
}

/** Runs `work` against a fresh replica in its own box, then reports its memory and stops it. */
async function inBox(tag: string, env: Record<string, string>, work: (url: string) => Promise<Map<number, LoadResult>>): Promise<Measured & { box: CpuBox }> {
  const box = await cpuBox(CORES, tag);
  let replica: Replica | undefined;
  try {
    replica = await startReplica(box, env);
    const levels = await work(replica.url);
    const peak = await box.memoryPeak();
    const memory = [
      `peak RSS ${fmt(peakRssMiB(replica.child.pid!), 0)} MiB`,
      peak === undefined ? undefined : `cgroup peak ${fmt(peak / 2 ** 20, 0)} MiB`,
      `OOM kills ${(await box.oomKills()) ?? 'unknown'}`,
      `alive: ${replica.child.exitCode === null}`,
    ].filter(Boolean).join(', ');
    return { levels, memory, box };
  } finally {
    await replica?.stop();
    await box.remove();
  }
}

/** One request per image, in turn: the people count of each, and a warm model afterwards. */
async function countPeople(url: string, files: string[]): Promise<Array<{ file: string; count: number }>> {
  const out: Array<{ file: string; count: number }> = [];
  for (const [i, file] of files.entries()) {
    const res = await fetch(`${url}/api/pose_estimation`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: imageBody(file, i) });
    if (res.status !== 200) throw new Error(`pose replica answered ${res.status} for ${file}: ${await res.text()}`);
    out.push({ file, count: ((await res.json()) as { count: number }).count });
  }
  return out;
}

async function levels(route: string, bodies: string[]): Promise<Map<number, LoadResult>> {
  const out = new Map<number, LoadResult>();
  for (const c of LEVELS) out.set(c, await load(route, bodies, c, SECONDS));
  return out;
}

async function main(): Promise<void> {
  const detectionModel = modelFile('MODEL_PATH', 'default.onnx') ?? modelFile('MODEL_PATH', 'yolox_nano.onnx');
  const poseModel = modelFile('POSE_MODEL_PATH', 'movenet_singlepose_lightning_int8.onnx');
  const poseDetector = modelFile('POSE_DETECTOR_PATH', 'yolov8n_int8.onnx');
  const dirs = process.env.IMAGES_DIR ? [process.env.IMAGES_DIR] : [join(repoRoot, 'inputfolder'), resolve(repoRoot, '../shared/inputfolder')];
  const files = (dirs.map(imagesIn).find((list) => list.length > 0) ?? []).sort().slice(0, TRIED);
  if (!detectionModel || !poseModel || !poseDetector || files.length === 0) {
    console.error('bench/pose: needs the detection and pose models (npm run model:install) and images (npm run images:install, or IMAGES_DIR)');
    process.exit(2);
  }
  console.log(`detection ${detectionModel}; pose ${poseModel} + ${poseDetector}; ${SECONDS} s per level; ${CORES} CPU replicas; load: autocannon in this process\n`);

  let withPeople: Array<{ file: string; count: number }> = [];
  let crowdLoad: LoadResult | undefined;
  const pose = await inBox('pose', { TASK: 'pose', POSE_MODEL_PATH: poseModel, POSE_DETECTOR_PATH: poseDetector }, async (url) => {
    withPeople = (await countPeople(url, files)).filter((f) => f.count > 0);
    if (withPeople.length === 0) throw new Error(`none of the first ${files.length} images has a person in it`);
    const route = `${url}/api/pose_estimation`;
    const result = await levels(route, withPeople.map((f, i) => imageBody(f.file, i)));
    const crowded = withPeople.reduce((a, b) => (b.count > a.count ? b : a));
    crowdLoad = await load(route, [imageBody(crowded.file, 0)], 4, SECONDS);
    return result;
  });
  const bodies = withPeople.map((f, i) => imageBody(f.file, i));
  const detection = await inBox('pose-det', { MODEL_PATH: detectionModel }, (url) => levels(`${url}/api/object_detection`, bodies));

  const people = withPeople.map((f) => f.count);
  console.log(`${withPeople.length} of ${files.length} images have people (${people.reduce((a, b) => a + b, 0)} in all, at most ${Math.max(...people)} in one); box: ${pose.box.label}\n`);
  const rate = (r: LoadResult, c: number): number => (c * 1000) / r.meanMs;
  console.log('| task | conc | answers | images/s | p50 ms | p95 ms | errors | pose/detection |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const [name, m] of [['detection', detection], ['pose', pose]] as const) {
    for (const c of LEVELS) {
      const r = m.levels.get(c)!;
      const base = rate(detection.levels.get(c)!, c);
      console.log(`| ${name} | ${c} | ${r.statuses[200] ?? 0} | ${fmt(rate(r, c), 2)} | ${fmt(r.p50, 0)} | ${fmt(r.p95, 0)} | ${r.errors} | ${fmt(rate(r, c) / base, 2)} |`);
    }
  }
  const crowd = crowdLoad!;
  console.log(`\ndetection replica: ${detection.memory}`);
  console.log(`pose replica: ${pose.memory}`);
  console.log(`  (includes the crowd pass: ${Math.max(...people)} people, concurrency 4, ${fmt(rate(crowd, 4), 2)} images/s, p95 ${fmt(crowd.p95, 0)} ms, statuses ${JSON.stringify(crowd.statuses)})`);
}

await main();
