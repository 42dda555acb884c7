/**
 * One load job in this process, whichever kind it is: closed-loop users, a
 * saturation phase or open (Poisson) arrivals. The worker (worker.ts) is this function behind
 * stdin/stdout; the fake backend calls it directly.
 */
import { runClosedJob } from './closed-loop.js';
import { runOpenJob } from './open-loop.js';
import { parseLoadJob, resultFor, type LoadJob, type LoadJobResult, type Progress, type ResultOf } from './protocol/schema.js';
import { runSaturationJob } from './saturation.js';

export interface RunJobOptions {
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
}

export async function runLoadJob<J extends LoadJob>(input: J, opts: RunJobOptions = {}): Promise<ResultOf<J>> {
  return resultFor(input, await run(parseLoadJob(input), opts));
}

function run(job: LoadJob, opts: RunJobOptions): Promise<LoadJobResult> {
  switch (job.kind) {
    case 'closed':
      return runClosedJob(job, opts);
    case 'saturation':
      return runSaturationJob(job, opts);
    case 'open':
      return runOpenJob(job, opts);
  }
}
