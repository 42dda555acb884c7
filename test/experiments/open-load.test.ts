/**
 * The open load's schedule and records: sizes drawn with the configured
 * probabilities (chi-square), Poisson arrivals that repeat for a seed and
 * scale with the rate, Server-Timing read back, and one real open job
 * against a tiny work server.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { chiSquaredDistributionTable } from 'simple-statistics';
import { SIZE_PRESETS, SizeDistribution } from '../../experiments/contracts/open-load.js';
import { meanUnits, openSchedule, sampleSize } from '../../experiments/load/open-schedule.js';
import { runOpenJob } from '../../experiments/load/open-loop.js';
import { OpenLoadJob, parseLoadJob } from '../../experiments/load/protocol/schema.js';
import { parseServerTiming } from '../../experiments/load/server-timing.js';
import { seededRng } from '../../lib/seeded-rng.js';

const azure = (): SizeDistribution => ({ units: [...SIZE_PRESETS['azure-functions'].units], probabilities: [...SIZE_PRESETS['azure-functions'].probabilities] });

/** Pearson's statistic of `draws` against the expected probabilities. */
function chiSquare(draws: number[], sizes: SizeDistribution, expected: readonly number[]): number {
  return sizes.units.reduce((sum, u, i) => {
    const observed = draws.filter((d) => d === u).length;
    const e = expected[i]! * draws.length;
    return sum + (observed - e) ** 2 / e;
  }, 0);
}

test('sizes follow the configured probabilities (chi-square at 1 %), and a wrong distribution is told apart', () => {
  for (const [name, preset] of Object.entries(SIZE_PRESETS)) {
    const sizes: SizeDistribution = { units: [...preset.units], probabilities: [...preset.probabilities] };
    const rng = seededRng(name.length * 7919);
    const draws = Array.from({ length: 20_000 }, () => sampleSize(rng, sizes));
    const critical = chiSquaredDistributionTable[sizes.units.length - 1 as keyof typeof chiSquaredDistributionTable]['0.01'];
    const stat = chiSquare(draws, sizes, sizes.probabilities);
    assert.ok(stat < critical, `${name}: chi-square ${stat.toFixed(2)} ≥ ${critical}`);
    if (new Set(sizes.probabilities).size > 1) {
      const reversed = [...sizes.probabilities].reverse();
      assert.ok(chiSquare(draws, sizes, reversed) > critical, `${name}: a reversed distribution passes too`);
    }
  }
});

test('the seed\'s first distribution is renormalised (its probabilities sum to 0.95) and its mean follows', () => {
  const p = SIZE_PRESETS['azure-functions'].probabilities;
  assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-12);
  assert.ok(Math.abs(p[0]! / p[1]! - 5 / 3) < 1e-9, 'the seed\'s ratios stay');
  assert.ok(Math.abs(meanUnits(azure()) - (0.05 + 0.09 + 4.25 + 82.5 + 2775) / 0.95) < 1e-9);
  assert.equal(SizeDistribution.safeParse({ units: [1, 2], probabilities: [0.5, 0.4] }).success, false);
  assert.equal(SizeDistribution.safeParse({ units: [1, 1], probabilities: [0.5, 0.5] }).success, false);
});

const job = (over: Partial<OpenLoadJob> = {}): OpenLoadJob => ({
  kind: 'open', url: 'http://127.0.0.1:1', timeoutMs: 1000, seed: 42, ratePerS: 50, durationS: 20, warmupS: 2, sizes: azure(), maxRequests: 10_000, ...over,
});

test('arrivals are Poisson: a seed repeats, the rate scales the same pattern, warm-up is marked, the bound holds', () => {
  const a = openSchedule(job());
  assert.deepEqual(openSchedule(job()), a, 'same seed, same schedule');
  const fast = openSchedule(job({ ratePerS: 100, durationS: 10, warmupS: 1 }));
  // twice the rate over half the time: the same draws at half the times
  assert.deepEqual(fast.map((x) => x.units), a.map((x) => x.units).slice(0, fast.length));
  fast.forEach((x, i) => assert.ok(Math.abs(x.atMs - a[i]!.atMs / 2) < 1e-6));
  // count: mean 1100, sd ≈ 33
  assert.ok(Math.abs(a.length - 1100) < 4 * Math.sqrt(1100), `${a.length} arrivals`);
  const gaps = a.slice(1).map((x, i) => x.atMs - a[i]!.atMs);
  const m = gaps.reduce((s, g) => s + g, 0) / gaps.length;
  const sd = Math.sqrt(gaps.reduce((s, g) => s + (g - m) ** 2, 0) / gaps.length);
  assert.ok(Math.abs(m - 20) < 2, `mean gap ${m} ms`);
  assert.ok(Math.abs(sd / m - 1) < 0.1, `exponential gaps have CV 1, got ${(sd / m).toFixed(2)}`);
  assert.ok(a.every((x) => x.warmup === x.atMs < 2000));
  assert.equal(openSchedule(job({ maxRequests: 7 })).length, 7);
  assert.ok(openSchedule(job({ seed: 43 })).some((x, i) => x.units !== a[i]?.units), 'another seed, other sizes');
});

test('Server-Timing entries are read as durations, repeated names summed, junk ignored', () => {
  assert.deepEqual(parseServerTiming('queue;dur=1.5, work;dur=20, total;dur=22.25, lb-queue;dur=3'), { queue: 1.5, work: 20, total: 22.25, 'lb-queue': 3 });
  assert.deepEqual(parseServerTiming(['a;dur=1', 'a;dur=2, b;desc="x"']), { a: 3 });
  assert.deepEqual(parseServerTiming(undefined), {});
});

test('open jobs are strict on the wire', () => {
  assert.equal(parseLoadJob(job()).kind, 'open');
  assert.throws(() => parseLoadJob({ ...job(), images: 'x' }), /invalid load job/);
  assert.throws(() => parseLoadJob({ ...job(), ratePerS: 0 }), /ratePerS/);
});

test('an open job sends on schedule whatever the answers, and records each request\'s size, times and durations', async () => {
  // a work server that answers after `units` ms, with the service's Server-Timing entries
  const server = http.createServer((req, res) => {
    // the job's round-trip probes
    if (req.method !== 'POST') return void res.writeHead(404).end();
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const { id, units } = JSON.parse(body) as { id: string; units: number };
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/json', 'x-served-by': 'w0', 'server-timing': `queue;dur=0.5, work;dur=${units}, total;dur=${units + 1}, lb-queue;dur=2` });
        res.end(JSON.stringify({ id, units, cpuMs: units, checksum: 1 }));
      }, units);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const sizes = { units: [5, 200], probabilities: [0.5, 0.5] };
    const result = await runOpenJob(job({ url, ratePerS: 40, durationS: 1, warmupS: 0.25, sizes }));
    const schedule = openSchedule(job({ url, ratePerS: 40, durationS: 1, warmupS: 0.25, sizes }));
    assert.equal(result.requests.length, schedule.length);
    assert.deepEqual(result.requests.map((r) => r.units), schedule.map((s) => s.units));
    for (const r of result.requests) {
      assert.equal(r.status, 200);
      assert.equal(r.replica, 'w0');
      assert.equal(r.workMs, r.units);
      assert.equal(r.lbQueueMs, 2);
      // a timer may fire up to a millisecond early against performance.now()
      assert.ok(r.endMs - r.sendMs >= r.units - 2, 'a request ends after its work');
    }
    // 200 ms answers at 40/s: many were out at once, so sends did not wait for answers
    const overlapping = result.requests.filter((r, i) => i > 0 && r.sendMs < result.requests[i - 1]!.endMs).length;
    assert.ok(overlapping > 0);
    assert.ok(result.requests.some((r) => r.warmup) && result.requests.some((r) => !r.warmup));
  } finally {
    server.closeAllConnections();
    server.close();
  }
});
