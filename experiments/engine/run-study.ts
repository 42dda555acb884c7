/**
 * The study loop, the same for every study: the plan's cells in order, each
 * deployed (the backend reuses replicas when only the count changes), then
 * trials until the cell is settled, each asking the study's question. Every
 * trial is written the moment it ends and the study's results are rewritten
 * after it, so an abort or a crash keeps everything measured so far.
 */
import type { LogFn } from '../../lib/log.js';
import type { Backend } from '../deploy/backend.js';
import type { Plan } from '../plan/plan.js';
import { trialId } from '../plan/plan.js';
import type { TrialResult } from '../record/schema.js';
import type { RunStore } from '../record/store.js';
import { AbortedError } from '../search/job-probe.js';
import { STUDIES } from '../studies/index.js';
import { nextTrial, remainingTrials } from './cell-trials.js';
import { QUESTIONS } from './questions.js';
import { writeResults } from './write-results.js';

/** A trial that could not produce a result (its backend or worker failed): the run stops, exit code 4. */
export class TrialFailed extends Error {
  override name = 'TrialFailed';
}

export interface StudyHooks {
  onTrialStart?: (label: { cell: string; trial: string }) => void;
  /** `remaining`: trials still to run in the whole plan (retries and adaptive trials included once known) */
  onTrialEnd?: (trial: TrialResult, seconds: number, remaining: number) => void;
  onStart?: (remaining: number) => void;
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
  const { plan, store, backend, signal, log, hooks } = input;
  const question = QUESTIONS[STUDIES[plan.study].question];
  const recorded = await store.readTrials();
  hooks?.onStart?.(remainingTrials(plan.config, plan.cells, recorded, question.value));
  for (const cell of plan.cells) {
    if (nextTrial(plan.config, cell, recorded, question.value) === null) {
      log('cell.skip', { cell: cell.id, reason: 'already recorded (--resume)' });
      continue;
    }
    if (signal.aborted) throw new AbortedError();
    log('deploy', { cell: cell.id, deployment: cell.deployment });
    await backend.deploy(cell.deployment, signal);
    const endpoint = await backend.endpoint(cell.location);
    const executor = await backend.executor(cell.location);
    log('cell.start', { cell: cell.id, replicas: cell.replicas, location: cell.location, endpoint: endpoint.url, path: endpoint.description, measured: endpoint.measured });
    for (let next = nextTrial(plan.config, cell, recorded, question.value); next; next = nextTrial(plan.config, cell, recorded, question.value)) {
      if (signal.aborted) throw new AbortedError();
      const planned = { id: trialId(cell, next.trial), cell: cell.id, replicas: cell.replicas, location: cell.location, trial: next.trial };
      hooks?.onTrialStart?.({ cell: `${cell.replicas}×${cell.location}`, trial: `t${next.trial}${next.attempt > 0 ? ` retry ${next.attempt}` : ''}` });
      const started = performance.now();
      const result = await question
        .run(planned, next.attempt, { plan, backend, executor, endpoint, imagesDir: input.imagesDir, recorded, signal, log })
        .catch((err: unknown) => {
          if (err instanceof AbortedError || signal.aborted) throw new AbortedError();
          throw new TrialFailed(`trial ${planned.id}: ${(err as Error).message}`);
        });
      await store.writeTrial(result);
      recorded.push(result);
      log('trial.end', { id: result.id, maxUsers: result.maxUsers, valid: result.valid, invalidReason: result.invalidReason, decidedBy: result.decidedBy });
      hooks?.onTrialEnd?.(result, (performance.now() - started) / 1000, remainingTrials(plan.config, plan.cells, recorded, question.value));
      await writeResults(store, plan, backend.limitsEnforced, recorded);
    }
  }
  return recorded;
}
