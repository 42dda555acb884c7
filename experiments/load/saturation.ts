/**
 * A saturation job: autocannon holds each concurrency with no think time
 * (a connection sends its next request as the last answer arrives), after a
 * warm-up that is not counted. It measures what the capacity model needs:
 * the throughput the cell reaches (X_max) and latency against concurrency.
 *
 * autocannon, not the user pool: it costs the generator about a
 * hundredth of the CPU per request, so the generator is not what saturates.
 * Answers count by status only; the closed-loop holds check bodies and ids.
 */
import autocannon from 'autocannon';
import type { SaturationLevel } from '../contracts/domain.js';
import { bodyHead, bodyTails } from './bodies.js';
import { ENDPOINTS } from './check-response.js';
import { encodeHistogram, newHistogram, percentilesMs, recordMs } from './histogram.js';
import { cachedImages } from './images.js';
import type { SaturationJob, SaturationResult } from './protocol/schema.js';
import type { RunJobOptions } from './run-job.js';
import { measureRtt } from './send.js';

interface Counted {
  histogram: ReturnType<typeof newHistogram>;
  statuses: Record<string, number>;
  requests: number;
  successes: number;
  /** when the maxRequests-th answer arrived (performance.now()) */
  fullAt?: number;
}

function hold(o: {
  url: string;
  path: string;
  bodies: string[];
  connections: number;
  seconds: number;
  timeoutMs: number;
  maxRequests?: number;
  signal: AbortSignal;
  count?: Counted;
}): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: o.url,
        connections: o.connections,
        duration: o.seconds,
        timeout: Math.max(1, Math.ceil(o.timeoutMs / 1000)),
        requests: o.bodies.map((body) => ({ method: 'POST' as const, path: o.path, headers: { 'content-type': 'application/json' }, body })),
      },
      (err, result) => (err ? reject(err) : resolve(result)),
    );
    const stop = () => instance.stop();
    o.signal.addEventListener('abort', stop, { once: true });
    instance.on('done', () => o.signal.removeEventListener('abort', stop));
    const count = o.count;
    if (!count) return;
    instance.on('response', (_client, status, _bytes, ms) => {
      // autocannon stops only at its next one-second tick: answers after the cap are not this level's
      if (count.fullAt !== undefined) return;
      count.requests += 1;
      count.statuses[String(status)] = (count.statuses[String(status)] ?? 0) + 1;
      if (status >= 200 && status < 300) {
        count.successes += 1;
        recordMs(count.histogram, ms);
      }
      if (o.maxRequests !== undefined && count.requests >= o.maxRequests) {
        count.fullAt = performance.now();
        stop();
      }
    });
  });
}

export async function runSaturationJob(job: SaturationJob, opts: RunJobOptions = {}): Promise<SaturationResult> {
  const signal = opts.signal ?? new AbortController().signal;
  const images = await cachedImages(job.imagesDir);
  // One body per image, built once: autocannon cycles through them.
  // the closed jobs' body format (bodies.ts), one fixed id per image: autocannon cycles through them
  const bodies = bodyTails(images).map((tail, i) => Buffer.concat([bodyHead(`sat-${job.seed}-${i}`), tail]).toString('latin1'));
  const meanBodyBytes = bodies.reduce((n, b) => n + b.length, 0) / Math.max(1, bodies.length);
  const path = ENDPOINTS[job.task];
  const rttMs = await measureRtt(new URL(job.url));
  const jobStart = performance.now();
  const jobCpu = process.cpuUsage();
  const levels: SaturationLevel[] = [];
  for (const concurrency of job.concurrencies) {
    if (signal.aborted) break;
    const common = { url: job.url, path, bodies, connections: concurrency, timeoutMs: job.timeoutMs, signal };
    const warm: Counted = { histogram: newHistogram(), statuses: {}, requests: 0, successes: 0 };
    if (job.warmupS > 0) await hold({ ...common, seconds: job.warmupS, count: warm });
    if (signal.aborted) break;
    const count: Counted = { histogram: newHistogram(), statuses: {}, requests: 0, successes: 0 };
    const cpu = process.cpuUsage();
    const started = performance.now();
    const result = await hold({ ...common, seconds: job.durationS, count, ...(job.maxRequests !== undefined ? { maxRequests: job.maxRequests } : {}) });
    const durationS = ((count.fullAt ?? performance.now()) - started) / 1000;
    const used = process.cpuUsage(cpu);
    levels.push({
      concurrency,
      durationS,
      requests: count.requests,
      successes: count.successes,
      warmupSuccesses: warm.successes,
      statuses: Object.fromEntries(Object.entries(count.statuses).filter(([s]) => !s.startsWith('2'))),
      errors: result.errors,
      timeouts: result.timeouts,
      throughput: durationS > 0 ? count.successes / durationS : 0,
      latencyMs: percentilesMs(count.histogram),
      bytesPerS: durationS > 0 ? (count.requests * meanBodyBytes) / durationS : 0,
      loadGenCpu: durationS > 0 ? (used.user + used.system) / 1e6 / durationS : 0,
      histogram: encodeHistogram(count.histogram),
    });
    opts.onProgress?.({ type: 'progress', users: concurrency, qps: levels.at(-1)!.throughput, errors: count.requests - count.successes, t: (performance.now() - jobStart) / 1000 });
  }
  const total = process.cpuUsage(jobCpu);
  const totalS = (performance.now() - jobStart) / 1000;
  return {
    kind: 'saturation',
    levels,
    loadGenCpu: totalS > 0 ? (total.user + total.system) / 1e6 / totalS : 0,
    aborted: signal.aborted,
    ...(rttMs !== undefined ? { rttMs } : {}),
  };
}
