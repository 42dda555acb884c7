/**
 * Simulated users, Locust's model: each user sends a request, waits for the
 * answer, thinks for between(min, max) seconds, and repeats. The pool grows
 * and shrinks between levels so a ramp keeps its users, as Locust does.
 *
 * Why not autocannon: its connections send the next request from inside the
 * previous response handler (lib/httpClient.js), and its only pacing is a
 * fixed per-second cap (connectionRate/overallRate). A random pause per user
 * cannot be expressed without patching private methods, and the saturating
 * case ([0, 0]) is this same loop without the pause, so one loop serves both.
 */
import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { between, residualThink, type Rng } from './rng.js';
import type { Outcome } from './send.js';

export interface PoolOptions {
  thinkS: readonly [number, number];
  rng: Rng;
  /** sends one request; null = aborted, nothing to record */
  send: (signal: AbortSignal) => Promise<Outcome | null>;
  onOutcome: (outcome: Outcome) => void;
  /** a user starts a think pause of `seconds` (not the first, residual one): Little's law needs the Z actually drawn */
  onThink?: (seconds: number) => void;
}

interface User {
  stopped: boolean;
  /** cuts the user's think pause short when it is stopped */
  wake: AbortController;
  loop: Promise<void>;
}

export class UserPool {
  private readonly users: User[] = [];
  /** aborts every in-flight request: the job is stopping and their answers no longer count */
  private readonly hardStop = new AbortController();

  constructor(private readonly opts: PoolOptions) {
    // Every in-flight request listens on this one signal; hundreds of users are expected, not a leak.
    setMaxListeners(0, this.hardStop.signal);
  }

  get size(): number {
    return this.users.length;
  }

  resize(target: number): void {
    while (this.users.length < target) this.users.push(this.start());
    while (this.users.length > target) this.retire(this.users.pop());
  }

  /** Stop sending; in-flight requests finish (bounded by the request timeout) and are recorded. */
  async drain(): Promise<void> {
    const users = this.users.splice(0);
    users.forEach((u) => this.retire(u));
    await Promise.all(users.map((u) => u.loop));
  }

  /** Stop at once: in-flight requests are cut and not recorded. */
  async abort(): Promise<void> {
    this.hardStop.abort();
    await this.drain();
  }

  private retire(user: User | undefined): void {
    if (!user) return;
    user.stopped = true;
    user.wake.abort();
  }

  private start(): User {
    const user: User = { stopped: false, wake: new AbortController(), loop: Promise.resolve() };
    user.loop = this.run(user);
    return user;
  }

  private async run(user: User): Promise<void> {
    const thinking = this.opts.thinkS[1] > 0;
    if (thinking && !(await this.pause(user, residualThink(this.opts.rng, this.opts.thinkS)))) return;
    while (!user.stopped) {
      const outcome = await this.opts.send(this.hardStop.signal);
      if (outcome) this.opts.onOutcome(outcome);
      if (this.hardStop.signal.aborted) return;
      if (!thinking) continue;
      const think = between(this.opts.rng, this.opts.thinkS);
      this.opts.onThink?.(think);
      if (!(await this.pause(user, think))) return;
    }
  }

  /** false when the user was stopped during the pause */
  private async pause(user: User, seconds: number): Promise<boolean> {
    try {
      await sleep(seconds * 1000, undefined, { signal: user.wake.signal });
      return !user.stopped;
    } catch {
      return false;
    }
  }
}
