/**
 * A clock the test moves: timers (the Timers of central-queue.ts), sleeps,
 * and a run loop that fires timers in time order and lets every promise
 * chain settle between them, so event-driven code runs as a discrete-event
 * simulation with exact times.
 */
import type { Timers } from '../../experiments/deploy/local/central-queue.js';

export interface FakeClock extends Timers {
  readonly now: number;
  sleep(ms: number): Promise<void>;
  /** moves time forward by `ms`, firing what falls due */
  advance(ms: number): void;
  /** fires timers in order until none is left, settling promises after each */
  run(): Promise<void>;
}

const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};

export function fakeClock(): FakeClock {
  let now = 0;
  let next = 1;
  const timers = new Map<number, { at: number; seq: number; fn: () => void }>();
  const due = () => [...timers.entries()].sort((a, b) => a[1].at - b[1].at || a[1].seq - b[1].seq);
  const clock: FakeClock = {
    get now() {
      return now;
    },
    setTimeout(fn, ms) {
      const h = next++;
      timers.set(h, { at: now + ms, seq: h, fn });
      return h;
    },
    clearTimeout: (h) => void timers.delete(h as number),
    sleep: (ms) => new Promise((resolve) => clock.setTimeout(resolve, ms)),
    advance(ms) {
      const until = now + ms;
      for (let first = due()[0]; first && first[1].at <= until; first = due()[0]) {
        timers.delete(first[0]);
        now = first[1].at;
        first[1].fn();
      }
      now = until;
    },
    async run() {
      await settle();
      for (let first = due()[0]; first; first = due()[0]) {
        timers.delete(first[0]);
        now = first[1].at;
        first[1].fn();
        await settle();
      }
    },
  };
  return clock;
}
