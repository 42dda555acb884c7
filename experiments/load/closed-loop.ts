/**
 * A closed-loop job in this process: grow the user pool level by level,
 * hold each level by the hold rule, and turn what came back into Steps.
 */
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Step } from '../contracts/domain.js';
import { bodyTail, bodyTails } from './bodies.js';
import { cachedImages } from './images.js';
import { seededRng } from './rng.js';
import { measureRtt, sendOne, type Target } from './send.js';
import { holdIsDone, type HoldRule } from './stability.js';
import { buildStep, perSecondCounts, type RequestRecord } from './step-builder.js';
import type { ClosedLoadJob, ClosedLoadResult, Progress } from './protocol/schema.js';
import type { RunJobOptions } from './run-job.js';
import { steadyState, type SteadyVerdictName } from './steady-state.js';
import { UserPool } from './user-pool.js';

const TICK_MS = 100;

export async function runClosedJob(job: ClosedLoadJob, opts: RunJobOptions = {}): Promise<ClosedLoadResult> {
  const tails = bodyTails(await cachedImages(job.imagesDir));
  const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
  const target: Target = { task: job.task, url: new URL(job.url), agent, timeoutMs: job.timeoutMs };
  const rng = seededRng(job.seed);
  const rule: HoldRule = {
    holdS: job.holdS,
    maxHoldS: job.maxHoldS ?? job.holdS,
    minRequests: job.minRequests ?? 0,
    windowS: job.windowS ?? 1,
    stableTolerance: job.stableTolerance ?? 0.1,
  };
  const signal = opts.signal ?? new AbortController().signal;
  const rttMs = await measureRtt(target.url, agent);

  let records: RequestRecord[] = [];
  let thinks: { atMs: number; seconds: number }[] = [];
  let levelStart = performance.now();
  const pool = new UserPool({
    thinkS: job.thinkS,
    rng,
    send: (s) => sendOne(target, tails[Math.floor(rng() * tails.length)] ?? bodyTail(Buffer.alloc(0)), s),
    onOutcome: (o) => records.push({ ...o, doneAtMs: performance.now() - levelStart }),
    onThink: (seconds) => thinks.push({ atMs: performance.now() - levelStart, seconds }),
  });
  const judge = job.steadyRule
    ? (untilS: number) => ({ thinks, trendTolerance: job.steadyRule!.trendTolerance, untilS })
    : undefined;

  // Stop quickly even mid-drain: cut in-flight requests the moment the job is aborted.
  const cut = () => void pool.abort();
  signal.addEventListener('abort', cut, { once: true });
  const jobStart = performance.now();
  const cpuStart = process.cpuUsage();
  const steps: Step[] = [];
  try {
    for (const [i, users] of job.levels.entries()) {
      if (signal.aborted) break;
      const isLast = i === job.levels.length - 1;
      records = [];
      thinks = [];
      levelStart = performance.now();
      const startedAt = new Date().toISOString();
      const levelCpu = process.cpuUsage();
      pool.resize(users);
      await holdLevel(rule, job.stopOnFailure, signal, () => records, levelStart, (p) =>
        opts.onProgress?.({ ...p, users, t: (performance.now() - jobStart) / 1000 }),
        judge && ((elapsedS) => steadyState({ users, elapsedS, windowS: rule.windowS, records, thinks, trendTolerance: job.steadyRule!.trendTolerance }).verdict),
      );
      const heldS = (performance.now() - levelStart) / 1000;
      const failedEarly = job.stopOnFailure && records.some((r) => r.error);
      // A failed level's verdict is in: its requests still queued at the service would only add
      // seconds of waiting (the service drops a queued request whose client left), so they are cut.
      // A passing last level waits for its in-flight requests (bounded by the timeout): any may still fail.
      if (failedEarly || signal.aborted) await pool.abort();
      else if (isLast) await pool.drain();
      const durationS = (performance.now() - levelStart) / 1000;
      const step = buildStep({
        users,
        startedAt,
        durationS,
        records,
        loadGenCpu: cpuCores(process.cpuUsage(levelCpu), durationS),
        ...(job.p95ObjectiveMs !== undefined ? { p95ObjectiveMs: job.p95ObjectiveMs } : {}),
        windowS: rule.windowS,
        stableTolerance: rule.stableTolerance,
        ...(judge ? { judge: judge(heldS) } : {}),
      });
      steps.push(step);
      if (failedEarly && !signal.aborted) {
        // the cut requests the service had already taken are still being served: whatever runs next must not meet them
        const slowest = Math.max(0, ...records.map((r) => r.latencyMs));
        await sleep(Math.min(job.timeoutMs, slowest), undefined, { signal }).catch(() => undefined);
      }
      if (job.stopOnFailure && !step.passed) break;
    }
  } finally {
    signal.removeEventListener('abort', cut);
    await pool.abort();
    agent.destroy();
  }
  const totalS = (performance.now() - jobStart) / 1000;
  return {
    kind: 'closed',
    steps,
    loadGenCpu: cpuCores(process.cpuUsage(cpuStart), totalS),
    aborted: signal.aborted,
    ...(rttMs !== undefined ? { rttMs } : {}),
  };
}

function cpuCores(usage: NodeJS.CpuUsage, seconds: number): number {
  return seconds > 0 ? (usage.user + usage.system) / 1e6 / seconds : 0;
}

/** Waits until the hold rule ends the level, the first failure ends it (stopOnFailure), or the job is aborted. */
async function holdLevel(
  rule: HoldRule,
  stopOnFailure: boolean,
  signal: AbortSignal,
  current: () => readonly RequestRecord[],
  levelStart: number,
  progress: (p: Omit<Progress, 'users' | 't'>) => void,
  steady?: (elapsedS: number) => SteadyVerdictName,
): Promise<void> {
  let lastReport = 0;
  for (;;) {
    await new Promise((r) => setTimeout(r, TICK_MS));
    if (signal.aborted) return;
    const records = current();
    const elapsedMs = performance.now() - levelStart;
    const elapsedS = Math.floor(elapsedMs / 1000);
    const perSecond = perSecondCounts(records, elapsedS);
    if (elapsedS > lastReport) {
      lastReport = elapsedS;
      progress({ type: 'progress', qps: perSecond[perSecond.length - 1] ?? 0, errors: records.filter((r) => r.error).length });
    }
    if (stopOnFailure && records.some((r) => r.error)) return;
    // the verdict is only needed once the level could end; computing it every tick would cost O(n²)
    const could = elapsedMs / 1000 >= rule.holdS && records.length >= rule.minRequests;
    const verdict = could && steady ? steady(elapsedMs / 1000) : undefined;
    if (holdIsDone(rule, { elapsedS: elapsedMs / 1000, answered: records.length, perSecondRequests: perSecond, ...(verdict ? { steady: verdict } : steady ? { steady: 'short' } : {}) })) return;
  }
}
