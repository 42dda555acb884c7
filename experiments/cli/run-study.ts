/**
 * The matrix: replicas ascending (scaling up reuses running replicas), each
 * location, trials until the cell is settled. Every trial is written the
 * moment it ends, and the analysis is rewritten after it, so an abort or a
 * crash keeps everything measured so far.
 */
import type { Backend } from '../deploy/backend.js';
import type { Plan } from '../plan/plan.js';
import { trialId } from '../plan/plan.js';
import type { RunStore } from '../record/store.js';
import type { TrialResult } from '../record/schema.js';
import { AbortedError } from '../search/job-probe.js';
import { RunError } from './exit-codes.js';
import { writeAnalysis } from './analysis.js';
import { nextTrial, remainingTrials, startHint } from './cell-trials.js';
import type { LogFn } from './logger.js';
import { runTrial } from './run-trial.js';

export interface StudyHooks {
  onTrialStart?: (label: { cell: string; trial: string }) => void;
  /** `remaining`: trials still to run in the whole matrix (retries and adaptive trials included once known) */
  onTrialEnd?: (trial: TrialResult, seconds: number, remaining: number) => void;
  onStart?: (remaining: number) => void;
  onLevel?: (users: number) => void;
}

export interface StudyInput {
  plan: Plan;
  store: RunStore;
  backend: Backend;
  imagesDir: string;
  signal: AbortSignal;
  log: LogFn;
  hooks?: StudyHooks;
}

export async function runStudy(input: StudyInput): Promise<TrialResult[]> {
  const { plan, store, backend, signal, log } = input;
  const recorded = await store.readTrials();
  const replicaCounts = [...new Set(plan.cells.map((c) => c.replicas))].sort((a, b) => a - b);
  let running = 0;
  input.hooks?.onStart?.(remainingTrials(plan.config, plan.cells, recorded));
  for (const replicas of replicaCounts) {
    const locations = plan.cells.filter((c) => c.replicas === replicas).map((c) => c.location);
    if (locations.every((l) => nextTrial(plan.config, replicas, l, recorded) === null)) {
      log('cell.skip', { replicas, reason: 'already recorded (--resume)' });
      continue;
    }
    if (signal.aborted) throw new AbortedError();
    log('scale', { from: running, to: replicas });
    if (running === 0) await backend.up(replicas, signal);
    else await backend.scale(replicas, signal);
    running = replicas;
    for (const location of locations) {
      const endpoint = await backend.endpoint(location);
      const executor = await backend.executor(location);
      log('cell.start', { replicas, location, endpoint: endpoint.url, path: endpoint.description, measured: endpoint.measured });
      for (let next = nextTrial(plan.config, replicas, location, recorded); next; next = nextTrial(plan.config, replicas, location, recorded)) {
        if (signal.aborted) throw new AbortedError();
        const planned = { id: trialId(replicas, location, next.trial), replicas, location, trial: next.trial };
        input.hooks?.onTrialStart?.({ cell: `${replicas}×${location}`, trial: `t${next.trial}${next.attempt > 0 ? ` retry ${next.attempt}` : ''}` });
        const started = performance.now();
        const result = await runTrial(planned, next.attempt, {
          plan,
          backend,
          executor,
          endpoint,
          imagesDir: input.imagesDir,
          startUsers: startHint(plan.config, replicas, location, recorded),
          signal,
          log,
          ...(input.hooks?.onLevel ? { onLevel: input.hooks.onLevel } : {}),
        }).catch((err: unknown) => {
          if (err instanceof AbortedError || signal.aborted) throw new AbortedError();
          throw new RunError(`trial ${planned.id}: ${(err as Error).message}`);
        });
        await store.writeTrial(result);
        recorded.push(result);
        log('trial.end', { id: result.id, maxUsers: result.maxUsers, valid: result.valid, invalidReason: result.invalidReason, decidedBy: result.decidedBy });
        input.hooks?.onTrialEnd?.(result, (performance.now() - started) / 1000, remainingTrials(plan.config, plan.cells, recorded));
        await writeAnalysis(store, plan, backend.limitsEnforced, recorded);
      }
    }
  }
  return recorded;
}
