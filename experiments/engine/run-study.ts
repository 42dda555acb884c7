/**
 * The study loop, the same for every study: the plan's cells in order, each
 * deployed (the backend reuses replicas when only the count changes), then
 * trials until the cell is settled, each asking the study's question. Every
 * trial is written the moment it ends and the study's results are rewritten
 * after it, so an abort or a crash keeps everything measured so far.
 *
 * A deployment that never becomes ready (DeployFailed) is the question's to
 * judge: one that records it (Question.deployFailed) gets the cell's next
 * trial written as the failure and the loop goes on with the next cell;
 * for any other question, or any other error, the run stops.
 */
import type { LogFn } from '../../lib/log.js';
import { DeployFailed, type Backend } from '../deploy/backend.js';
import type { Plan, PlannedCell, PlannedTrial } from '../plan/plan.js';
import { runnableCells, trialId } from '../plan/plan.js';
import type { TrialResult } from '../record/schema.js';
import type { RunStore } from '../record/store.js';
import { AbortedError } from '../search/job-probe.js';
import { STUDIES } from '../studies/index.js';
import { nextTrial, remainingTrials, type NextTrial } from './cell-trials.js';
import { QUESTIONS, type Question } from './questions.js';
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

/** What the progress line calls a cell: the study's own labels, else replicas × location. */
const cellLabel = (cell: PlannedCell) => (cell.labels ? Object.values(cell.labels).join(' ') : `${cell.replicas}×${cell.location}`);

const planned = (cell: PlannedCell, next: NextTrial): PlannedTrial => ({ id: trialId(cell, next.trial), cell: cell.id, replicas: cell.replicas, location: cell.location, trial: next.trial });

export async function runStudy(input: StudyInput): Promise<TrialResult[]> {
  const { plan, store, backend, signal, log, hooks } = input;
  const question: Question = QUESTIONS[STUDIES[plan.study].question];
  const cells = runnableCells(plan.cells);
  const recorded = await store.readTrials();
  const remaining = () => remainingTrials(plan.config, cells, recorded, question.value);
  const record = async (result: TrialResult, started: number) => {
    await store.writeTrial(result);
    recorded.push(result);
    log('trial.end', { id: result.id, question: result.question, value: question.value(result), valid: result.valid, invalidReason: result.invalidReason, endsCell: result.endsCell });
    hooks?.onTrialEnd?.(result, (performance.now() - started) / 1000, remaining());
    await writeResults(store, plan, backend.limitsEnforced, recorded);
  };
  hooks?.onStart?.(remaining());
  for (const cell of plan.cells) {
    if (cell.skip !== undefined) {
      log('cell.skip', { cell: cell.id, reason: cell.skip });
      continue;
    }
    const first = nextTrial(plan.config, cell, recorded, question.value);
    if (first === null) {
      log('cell.skip', { cell: cell.id, reason: 'already recorded (--resume)' });
      continue;
    }
    if (signal.aborted) throw new AbortedError();
    log('deploy', { cell: cell.id, deployment: cell.deployment });
    const deployStarted = performance.now();
    const deployStartedAt = new Date().toISOString();
    try {
      await backend.deploy(cell.deployment, signal);
    } catch (err) {
      if (err instanceof AbortedError || signal.aborted) throw new AbortedError();
      if (!(err instanceof DeployFailed) || !question.deployFailed) throw err;
      hooks?.onTrialStart?.({ cell: cellLabel(cell), trial: `t${first.trial} (deployment failed)` });
      const seconds = (performance.now() - deployStarted) / 1000;
      await record(await question.deployFailed(planned(cell, first), err, { plan, backend, log, startedAt: deployStartedAt, seconds }), deployStarted);
      continue;
    }
    let deployS: number | undefined = (performance.now() - deployStarted) / 1000;
    const endpoint = await backend.endpoint(cell.location);
    const executor = await backend.executor(cell.location);
    log('cell.start', { cell: cell.id, replicas: cell.replicas, location: cell.location, endpoint: endpoint.url, path: endpoint.description, measured: endpoint.measured, deployS });
    for (let next: NextTrial | null = first; next; next = nextTrial(plan.config, cell, recorded, question.value)) {
      if (signal.aborted) throw new AbortedError();
      const trial = planned(cell, next);
      hooks?.onTrialStart?.({ cell: cellLabel(cell), trial: `t${next.trial}${next.attempt > 0 ? ` retry ${next.attempt}` : ''}` });
      const started = performance.now();
      const context = { plan, backend, executor, endpoint, imagesDir: input.imagesDir, recorded, signal, log };
      const result = await question
        .run(trial, next.attempt, deployS === undefined ? context : { ...context, deployS })
        .catch((err: unknown) => {
          if (err instanceof AbortedError || signal.aborted) throw new AbortedError();
          throw new TrialFailed(`trial ${trial.id}: ${(err as Error).message}`);
        });
      deployS = undefined;
      await record(result, started);
    }
  }
  return recorded;
}
