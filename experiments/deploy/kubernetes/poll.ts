/**
 * One poll-until-done loop for every wait of the backend (kube-burner's
 * PollUntilContextTimeout shape): a deadline, an abort signal, and tolerance
 * for a few failed polls in a row, so an API server restart or a dropped
 * connection does not end a run.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { apiStatus } from './api.js';

/** Thrown by a check when waiting longer cannot help. */
export class WaitFailed extends Error {}

export interface PollOptions {
  timeoutMs: number;
  pollMs: number;
  signal?: AbortSignal;
}

const MAX_POLL_ERRORS = 5;

/** A sleep that an abort ends with the abort's own reason, not a generic AbortError. */
async function pause(ms: number, signal?: AbortSignal): Promise<void> {
  try {
    await sleep(ms, undefined, signal ? { signal } : {});
  } catch (err) {
    signal?.throwIfAborted();
    throw err;
  }
}

/** Calls `check` until it returns a value; undefined when the deadline passes first. */
export async function pollUntil<T>(check: () => Promise<T | undefined>, opts: PollOptions): Promise<T | undefined> {
  const deadline = Date.now() + opts.timeoutMs;
  let errors = 0;
  for (;;) {
    opts.signal?.throwIfAborted();
    try {
      const value = await check();
      errors = 0;
      if (value !== undefined) return value;
    } catch (err) {
      if (err instanceof WaitFailed || apiStatus(err) === 404 || ++errors > MAX_POLL_ERRORS) throw err;
    }
    if (Date.now() >= deadline) return undefined;
    await pause(Math.min(opts.pollMs, Math.max(0, deadline - Date.now())), opts.signal);
  }
}
