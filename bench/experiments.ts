/**
 * Max-users strategies side by side: `search` (bracket + bisect + confirm)
 * against the assignment's `ramp` (1 user/s + confirm). Time to answer and
 * the two answers, first on the queueing simulator (virtual time, so the
 * numbers do not depend on this machine's load), then, when the local
 * backend, a model and the images are present, on the real local system
 * (1 replica, cluster location, shortened holds). Ramp is the baseline.
 *
 *   npx tsx bench/experiments.ts            (CLOUDDETECT_BENCH_REAL=0 skips the real part)
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { searchMaxUsers } from '../experiments/search/bisect.js';
import { rampMaxUsers } from '../experiments/search/ramp.js';
import { simulatedProbe, type SimulationOptions } from './lib/queue-simulator.js';
import { jobProbe } from '../experiments/search/job-probe.js';
import type { Probe, SearchOutcome, SearchSettings } from '../experiments/search/types.js';
import { createLocalBackend } from '../experiments/deploy/local/index.js';
import { REPO_ROOT } from '../lib/repo-root.js';

const root = REPO_ROOT;

interface Row {
  system: string;
  search: SearchOutcome;
  ramp: SearchOutcome;
  searchS: number;
  rampS: number;
}

function table(title: string, unit: string, rows: Row[]): void {
  const head = ['system', 'search', 'ramp', 'agree', `search ${unit}`, `ramp ${unit}`, 'time ratio', 'levels s/r'];
  const body = rows.map((r) => {
    const gap = Math.abs(r.search.maxUsers - r.ramp.maxUsers) / Math.max(1, r.search.maxUsers, r.ramp.maxUsers);
    return [
      r.system,
      String(r.search.maxUsers),
      String(r.ramp.maxUsers),
      gap === 0 ? 'same' : `Δ ${(gap * 100).toFixed(0)} %`,
      r.searchS.toFixed(1),
      r.rampS.toFixed(1),
      `${(r.searchS / r.rampS).toFixed(2)}×`,
      `${r.search.steps.length}/${r.ramp.steps.length}`,
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  console.log(`\n${title}`);
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  body.forEach((b) => console.log(line(b)));
  console.log('time ratio = search / ramp (ramp is the baseline; < 1× means search answers sooner)');
}

const settings: SearchSettings = { startUsers: 1, upperBound: 2000, resolution: 0, confirmRetries: 3 };

async function simulated(): Promise<void> {
  for (const [label, thinkS] of [['saturating users (think 0)', [0, 0]], ['think between(1, 3) s', [1, 3]]] as const) {
    const rows: Row[] = [];
    for (const replicas of [1, 2, 4, 8]) {
      const opts: SimulationOptions = {
        service: { replicas, concurrency: 1, queue: 8, serviceMs: 50, serviceJitter: 0.2, rttMs: 1, timeoutMs: 10_000 },
        thinkS,
        hold: { holdS: 10, maxHoldS: 30, minRequests: 100, windowS: 2, stableTolerance: 0.1 },
        rampStepS: 1,
        seed: 42,
      };
      const s = simulatedProbe(opts);
      const r = simulatedProbe(opts);
      rows.push({ system: `${replicas} replica${replicas > 1 ? 's' : ''}`, search: await searchMaxUsers(s, settings), ramp: await rampMaxUsers(r, settings), searchS: s.virtualSeconds(), rampS: r.virtualSeconds() });
    }
    table(`simulator, ${label}: 50 ms per request, queue 8 per replica (virtual seconds of load)`, 's', rows);
  }
}

async function real(): Promise<void> {
  const model = join(root, 'model/default.onnx');
  const images = join(root, 'inputfolder');
  const missing = [
    !existsSync(model) && 'model/default.onnx (npm run model:install)',
    !existsSync(images) && 'inputfolder/ (npm run images:install)',
  ].filter(Boolean);
  if (process.env.CLOUDDETECT_BENCH_REAL === '0') return console.log('\nreal local system: skipped (CLOUDDETECT_BENCH_REAL=0)');
  if (missing.length > 0) return console.log(`\nreal local system: skipped, missing ${missing.join(', ')}`);
  const stateDir = await mkdtemp(join(tmpdir(), 'cd-bench-'));
  const backend = await createLocalBackend({ runId: `bench-${process.pid}`, stateDir, log: () => undefined });
  try {
    await backend.deploy({ task: 'detection', replicas: 1, cpu: 0.5, memoryMi: 512, modelPath: model, balancer: { policy: 'round-robin' } });
    const endpoint = await backend.endpoint('cluster');
    const executor = await backend.executor('cluster');
    const probe = (): Probe =>
      jobProbe({
        executor,
        base: { task: 'detection', url: endpoint.url, imagesDir: images, thinkS: [0, 0], timeoutMs: 10_000, maxHoldS: 4, minRequests: 30, windowS: 1, stableTolerance: 0.1 },
        holdS: 3,
        rampStepS: 1,
        seed: 7,
      });
    // the saturation phase every cell's first trial runs, at the full and the quick profile's lengths
    for (const [profile, durationS, warmupS] of [['full', 5, 2], ['quick', 1.5, 0.5]] as const) {
      const started = performance.now();
      const sat = await executor.run({ kind: 'saturation', task: 'detection', url: endpoint.url, imagesDir: images, timeoutMs: 10_000, seed: 7, concurrencies: [1, 2, 4], durationS, warmupS, maxRequests: 2000 });
      const seconds = (performance.now() - started) / 1000;
      console.log(`saturation phase (${profile} profile, 1 replica, 1/2/4 connections, ${warmupS} + ${durationS} s each): ${seconds.toFixed(1)} s wall per cell; X max ${Math.max(...sat.levels.map((l) => l.throughput)).toFixed(1)} req/s`);
    }
    const quick = { ...settings, upperBound: 64 };
    const t0 = performance.now();
    const search = await searchMaxUsers(probe(), quick);
    const t1 = performance.now();
    const ramp = await rampMaxUsers(probe(), quick);
    const t2 = performance.now();
    table(`real local system: 1 replica (0.5 CPU${backend.limitsEnforced ? '' : ', limits NOT enforced'}), cluster location, saturating users, holds 3-4 s (wall seconds)`, 's', [
      { system: '1 replica', search, ramp, searchS: (t1 - t0) / 1000, rampS: (t2 - t1) / 1000 },
    ]);
  } finally {
    await backend.down();
    await rm(stateDir, { recursive: true, force: true });
  }
}

await simulated();
await real().catch((err: Error) => console.log(`\nreal local system: failed: ${err.message}`));
