/**
 * A Probe over a backend's LoadExecutor: each hold or ramp is one LoadJob for
 * the load worker at the client location. Aborting (Ctrl-C) surfaces as
 * AbortedError so a strategy never mistakes a cut-short level for a failure.
 */
import type { LoadExecutor } from '../deploy/backend.js';
import type { Step } from '../contracts/domain.js';
import type { ClosedLoadJob, ClosedLoadResult } from '../load/protocol/schema.js';
import type { Probe } from './types.js';

export class AbortedError extends Error {
  override name = 'AbortedError';
  constructor() {
    super('aborted');
  }
}

export type JobBase = Omit<ClosedLoadJob, 'kind' | 'levels' | 'holdS' | 'stopOnFailure' | 'seed'>;

export interface JobProbeOptions {
  executor: LoadExecutor;
  base: JobBase;
  holdS: number;
  rampStepS: number;
  seed: number;
  signal?: AbortSignal;
  /** called after every job with its result, e.g. to record RTT and generator CPU */
  onResult?: (result: ClosedLoadResult, job: ClosedLoadJob) => void | Promise<void>;
  /** called before every job, e.g. for the progress line */
  onJob?: (job: ClosedLoadJob) => void | Promise<void>;
}

export function jobProbe(o: JobProbeOptions): Probe {
  let jobs = 0;
  const run = async (job: ClosedLoadJob): Promise<Step[]> => {
    if (o.signal?.aborted) throw new AbortedError();
    await o.onJob?.(job);
    const result = await o.executor.run(job, o.signal);
    await o.onResult?.(result, job);
    if (result.aborted || o.signal?.aborted) throw new AbortedError();
    return result.steps;
  };
  return {
    async hold(users) {
      const steps = await run({ ...o.base, kind: 'closed', levels: [users], holdS: o.holdS, stopOnFailure: true, seed: o.seed + jobs++ });
      const step = steps[0];
      if (!step) throw new Error(`load worker returned no step for a hold at ${users} users`);
      return step;
    },
    ramp(from, to) {
      const levels = Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
      // A ramp step is exactly stepS long: extending it for stability would change the assignment's 1 user/s.
      const job: ClosedLoadJob = { ...o.base, kind: 'closed', levels, holdS: o.rampStepS, stopOnFailure: true, seed: o.seed + jobs++ };
      delete job.maxHoldS;
      delete job.minRequests;
      delete job.steadyRule;
      return run(job);
    },
  };
}
