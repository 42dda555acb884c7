/**
 * The CLI's exit codes, one place. Modules throw; only the entry scripts exit.
 *   0  the run finished (results and report written)
 *   1  internal error (a bug: please report it with the log file)
 *   2  bad usage or configuration (nothing was started)
 *   3  aborted by Ctrl-C / SIGTERM (what was recorded is kept)
 *   4  the run failed (backend could not start, every trial of a cell invalid, …)
 */
import { ConfigError } from '../plan/config.js';
import { PlanError } from '../plan/plan.js';
import { AbortedError } from '../search/job-probe.js';
import { TrialFailed } from '../engine/run-study.js';

export const EXIT = { ok: 0, internal: 1, usage: 2, aborted: 3, failed: 4 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A problem the user can fix before anything starts (bad flag, missing images). */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** The run started but could not produce results. */
export class RunError extends Error {
  override name = 'RunError';
}

export function exitCodeFor(err: unknown): ExitCode {
  if (err instanceof UsageError || err instanceof ConfigError || err instanceof PlanError) return EXIT.usage;
  if (err instanceof AbortedError) return EXIT.aborted;
  if (err instanceof RunError || err instanceof TrialFailed) return EXIT.failed;
  return EXIT.internal;
}
