/**
 * A closed-loop load on one route with autocannon: `connections` clients
 * cycling through the given bodies for `seconds`; images/s counts 200s only,
 * latency percentiles are over the 200s.
 */
import autocannon from 'autocannon';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { quantileSorted } from 'simple-statistics';
import { REPO_ROOT as repoRoot } from '../../lib/repo-root.js';

export interface LoadResult {
  /** 200s per second of the run */
  imagesPerS: number;
  /** mean latency of the 200s, ms */
  meanMs: number;
  p50: number;
  p95: number;
  p99: number;
  errors: number;
  statuses: Record<number, number>;
}

/** `overallRate`: requests per second across all connections (autocannon's pacing), else as fast as answered. */
export async function load(url: string, bodies: string[], connections: number, seconds: number, overallRate?: number): Promise<LoadResult> {
  const latencies: number[] = [];
  const statuses: Record<number, number> = {};
  let instance!: autocannon.Instance;
  const done = new Promise<autocannon.Result>((resolveResult, reject) => {
    instance = autocannon({
      url,
      connections,
      duration: seconds,
      timeout: 30,
      ...(overallRate === undefined ? {} : { overallRate }),
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
    meanMs: latencies.length ? latencies.reduce((a, b) => a + b, 0) / latencies.length : NaN,
    p50: q(0.5),
    p95: q(0.95),
    p99: q(0.99),
    errors: result.errors + result.timeouts + result.non2xx,
    statuses,
  };
}

/** The study's images: IMAGES_DIR, else inputfolder/, else ../shared/inputfolder/. */
export function benchImages(): string[] {
  const dirs = process.env.IMAGES_DIR ? [process.env.IMAGES_DIR] : [join(repoRoot, 'inputfolder'), resolve(repoRoot, '../shared/inputfolder')];
  return dirs.map(imagesIn).find((list) => list.length > 0) ?? [];
}

/** MODEL_PATH, else the default model; a bench without one exits 2 saying how to get it. */
export function modelOrExit(bench: string): string {
  const model = process.env.MODEL_PATH ?? defaultModel();
  if (model === undefined) {
    console.error(`bench/${bench}: needs a model (npm run model:install, or MODEL_PATH)`);
    process.exit(2);
  }
  return model;
}

/** The installed default model, else the shared YOLOX-Nano. */
export function defaultModel(): string | undefined {
  return firstExisting([join(repoRoot, 'model/default.onnx'), resolve(repoRoot, '../shared/model/yolox_nano.onnx')]);
}

export function firstExisting(paths: string[]): string | undefined {
  return paths.find((p) => existsSync(p));
}

export function imagesIn(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((f) => /\.(jpe?g|png|webp)$/i.test(f)).map((f) => join(dir, f)) : [];
}

/** The request body the course client sends for one image file. */
export function imageBody(file: string, i: number): string {
  return JSON.stringify({ id: `bench-${i}`, image: readFileSync(file).toString('base64') });
}

export function fmt(n: number, digits = 1): string {
  return Number.isFinite(n) ? n.toFixed(digits) : '-';
}

/** Mean Server-Timing stages over `count` sequential requests: where one request's time goes when nothing waits. */
export async function stageBreakdown(url: string, bodies: string[], count: number): Promise<Record<string, number>> {
  const sums: Record<string, number> = {};
  for (let i = 0; i < count; i++) {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: bodies[i % bodies.length]! });
    await res.arrayBuffer();
    for (const entry of (res.headers.get('server-timing') ?? '').split(',')) {
      const match = /^\s*([\w-]+);dur=([\d.]+)/.exec(entry);
      if (match) sums[match[1]!] = (sums[match[1]!] ?? 0) + Number(match[2]) / count;
    }
  }
  return sums;
}
