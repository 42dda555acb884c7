/**
 * Darknet → ONNX conversion cost on yolov3-tiny (seeded random weights, the
 * real file's size). Goals from the issue: under 2 s, and an ONNX file within
 * 1% of the weights file (float32, nothing stored twice). The baseline is a
 * plain copy of the weights buffer: the least any converter must do.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT as repoRoot } from '../lib/repo-root.js';
import { convertDarknet, convertDarknetFiles } from '../model/convert.js';
import { parseNetwork } from '../model/darknet/network.js';
import { randomWeights } from '../model/darknet/random-weights.js';
import { sliceWeights } from '../model/darknet/weights.js';

const RUNS = 5;
const GOAL_MS = 2000;
const GOAL_SIZE_RATIO = 1.01;

const cfgPath = path.resolve(repoRoot, '../shared/model/yolov3-tiny.cfg');
const namesPath = path.resolve(repoRoot, '../shared/model/coco.names');
if (!existsSync(cfgPath) || !existsSync(namesPath)) {
  console.log(`model-convert: skipped, ${cfgPath} or ${namesPath} not present`);
  process.exit(0);
}
const cfgText = readFileSync(cfgPath, 'utf8');
const labels = readFileSync(namesPath, 'utf8').split('\n').filter((l) => l.trim() !== '');

async function median(fn: () => unknown): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i += 1) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(RUNS / 2)]!;
}

const weights = randomWeights(cfgText, 1);
const dir = await mkdtemp(path.join(tmpdir(), 'clouddetect-bench-'));
try {
  const files = { cfg: cfgPath, names: namesPath, weights: path.join(dir, 'yolov3-tiny.weights'), out: path.join(dir, 'yolov3-tiny.onnx') };
  await writeFile(files.weights, weights);

  const baseline = await median(() => Buffer.from(weights));
  const rows: Array<[string, number]> = [
    ['copy weights buffer (baseline)', baseline],
    ['random weights (seeded)', await median(() => randomWeights(cfgText, 1))],
    ['parse cfg + slice weights', await median(() => sliceWeights(parseNetwork(cfgText), weights))],
    ['convertDarknet (in memory)', await median(() => convertDarknet({ cfgText, weights, labels }))],
    ['convertDarknetFiles (read, convert, write)', await median(() => convertDarknetFiles(files))],
  ];
  const model = convertDarknet({ cfgText, weights, labels }).model;

  console.log(`yolov3-tiny.cfg, ${(weights.byteLength / 1e6).toFixed(1)} MB weights, median of ${RUNS} runs\n`);
  console.log(`${'step'.padEnd(44)}${'ms'.padStart(10)}${'× baseline'.padStart(12)}`);
  for (const [name, ms] of rows) console.log(`${name.padEnd(44)}${ms.toFixed(1).padStart(10)}${(ms / baseline).toFixed(1).padStart(12)}`);

  const sizeRatio = model.byteLength / weights.byteLength;
  const fileMs = rows.at(-1)![1];
  console.log(`\n${'size'.padEnd(44)}${'bytes'.padStart(12)}${'ratio'.padStart(10)}`);
  console.log(`${'weights file'.padEnd(44)}${String(weights.byteLength).padStart(12)}${'1.0000'.padStart(10)}`);
  console.log(`${'onnx model'.padEnd(44)}${String(model.byteLength).padStart(12)}${sizeRatio.toFixed(4).padStart(10)}`);
  console.log(`\ngoal: convert < ${GOAL_MS} ms: ${fileMs < GOAL_MS ? 'met' : 'MISSED'} (${fileMs.toFixed(0)} ms with file I/O)`);
  console.log(`goal: onnx within 1% of weights: ${Math.abs(sizeRatio - 1) <= GOAL_SIZE_RATIO - 1 ? 'met' : 'MISSED'} (${((sizeRatio - 1) * 100).toFixed(2)}%)`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
