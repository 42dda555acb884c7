/**
 * The work of the binding study's requests: CPU-bound integer hashing until
 * the request has used its budget of this process's CPU time (every
 * thread's, as the cgroup counts it; the hashing thread is nearly all of
 * it). Not a sleep: a unit costs the replica its CPU, so under a cgroup
 * quota its wall time grows with the quota and with whatever else the
 * replica runs.
 * The loop yields every slice so the replica keeps answering (and
 * queueing) other requests, and stops as soon as `stopped()` says the
 * client is gone.
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';

/** CPU per uninterrupted slice, ms: short enough that probes and new requests are not held up. */
export const SLICE_MS = 2;
/** hash rounds between two reads of the CPU clock (a few microseconds of work) */
const ROUNDS_PER_CHECK = 512;

export interface WorkDone {
  /** CPU this request used, ms */
  cpuMs: number;
  /** a value of the work, so it cannot be optimised away */
  checksum: number;
  /** the client left before the budget was used */
  stopped: boolean;
}

const cpuNowMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** One slice: hash until `budgetMs` of CPU went by (this thread runs nothing else meanwhile). */
function slice(state: number, budgetMs: number): { state: number; usedMs: number } {
  const start = cpuNowMs();
  let h = state;
  let used = 0;
  do {
    for (let i = 0; i < ROUNDS_PER_CHECK; i++) {
      // xorshift32 + a multiply: cheap, and every round depends on the last
      h ^= h << 13;
      h ^= h >>> 17;
      h ^= h << 5;
      h = Math.imul(h, 0x9e3779b1) >>> 0;
    }
    used = cpuNowMs() - start;
  } while (used < budgetMs);
  return { state: h, usedMs: used };
}

export async function burnCpu(budgetMs: number, stopped: () => boolean, seed = 0x811c9dc5): Promise<WorkDone> {
  let state = seed >>> 0 || 1;
  let cpuMs = 0;
  while (cpuMs < budgetMs) {
    const done = slice(state, Math.min(SLICE_MS, budgetMs - cpuMs));
    state = done.state;
    cpuMs += done.usedMs;
    if (cpuMs >= budgetMs) break;
    await yieldToLoop();
    if (stopped()) return { cpuMs, checksum: state, stopped: true };
  }
  return { cpuMs, checksum: state, stopped: false };
}
