/**
 * Late binding's central queue: a request is handed to a replica only when
 * that replica has a free slot; until then it waits here, first come first
 * served, at most `queueBound` of them, each at most `waitTimeoutMs`.
 *
 * Which replica has a free slot is the chooser's call (pick.ts
 * createSlotChooser, with the slots per replica), on the queue's own counts
 * (the requests it handed out and not yet got back), not the replicas' true
 * load: one queue per Knative activator, each
 * blind to the others' requests, is how first-available misjudges capacity.
 * No I/O; the timers are injectable so tests run on a fake clock.
 */
import type { Picker } from './pick.js';

export interface QueueSettings {
  queueBound: number;
  waitTimeoutMs: number;
}

/** Why a request was not handed a replica: the queue was full, or it waited too long. */
export class QueueRefused extends Error {
  override name = 'QueueRefused';
  constructor(readonly reason: 'queue-full' | 'wait-timeout', message: string) {
    super(message);
  }
}

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const REAL_TIMERS: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

interface Waiter {
  resolve: (name: string) => void;
  reject: (err: Error) => void;
  timer: unknown;
  cleanup: () => void;
}

export class CentralQueue {
  private readonly busy = new Map<string, number>();
  private readonly waiters: Waiter[] = [];
  private pool: string[] = [];

  constructor(
    private readonly choose: Picker,
    private readonly settings: QueueSettings,
    private readonly timers: Timers = REAL_TIMERS,
  ) {}

  get waiting(): number {
    return this.waiters.length;
  }

  /** Slots this queue believes taken on `name`. */
  inFlight(name: string): number {
    return this.busy.get(name) ?? 0;
  }

  /** The replicas that may be handed requests, in order (first-available picks by it); waiters are served at once if slots appeared. */
  setPool(names: readonly string[]): void {
    this.pool = [...names];
    this.dispatch();
  }

  /**
   * Resolves with the replica's name once it has a free slot (the caller must
   * release it); rejects with QueueRefused, or with the signal's reason when
   * the client left while waiting.
   */
  acquire(signal?: AbortSignal): Promise<string> {
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    if (this.waiters.length === 0) {
      const name = this.pick();
      if (name !== undefined) return Promise.resolve(this.take(name));
    }
    if (this.waiters.length >= this.settings.queueBound) {
      return Promise.reject(new QueueRefused('queue-full', `central queue full (${this.settings.queueBound} waiting)`));
    }
    return new Promise<string>((resolve, reject) => {
      const onAbort = () => {
        this.remove(waiter);
        reject(signal!.reason as Error);
      };
      const waiter: Waiter = {
        resolve,
        reject,
        timer: this.timers.setTimeout(() => {
          this.remove(waiter);
          reject(new QueueRefused('wait-timeout', `no replica slot within ${this.settings.waitTimeoutMs} ms`));
        }, this.settings.waitTimeoutMs),
        cleanup: () => signal?.removeEventListener('abort', onAbort),
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  /** The request handed to `name` is over: its slot goes to the longest waiter that fits. */
  release(name: string): void {
    const n = this.busy.get(name) ?? 0;
    if (n <= 1) this.busy.delete(name);
    else this.busy.set(name, n - 1);
    this.dispatch();
  }

  private pick(): string | undefined {
    return this.choose(this.pool.map((name) => ({ name, inFlight: this.inFlight(name) })))?.name;
  }

  private take(name: string): string {
    this.busy.set(name, this.inFlight(name) + 1);
    return name;
  }

  private remove(waiter: Waiter): void {
    const i = this.waiters.indexOf(waiter);
    if (i >= 0) this.waiters.splice(i, 1);
    this.timers.clearTimeout(waiter.timer);
    waiter.cleanup();
  }

  private dispatch(): void {
    while (this.waiters.length > 0) {
      const name = this.pick();
      if (name === undefined) return;
      const waiter = this.waiters[0]!;
      this.remove(waiter);
      waiter.resolve(this.take(name));
    }
  }
}
