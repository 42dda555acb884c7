/**
 * A closed-loop queueing model of the service, in virtual time: users think
 * between(min, max) s, send, and wait; a round-robin balancer spreads
 * requests over replicas, each serving `concurrency` at once with a FIFO
 * queue of `queue` (full → immediate 503). Requests slower than the timeout
 * fail. It is a Probe, so ramp and search are tested and benchmarked on it
 * in milliseconds, and its Steps come from the worker's own step builder.
 */
import type { Step } from '../../experiments/contracts/domain.js';
import { between, residualThink, seededRng, type Rng } from '../../experiments/load/rng.js';
import { holdIsDone, type HoldRule } from '../../experiments/load/stability.js';
import { buildStep, perSecondCounts, type RequestRecord } from '../../experiments/load/step-builder.js';
import type { Probe } from '../../experiments/search/types.js';

export interface SimulatedService {
  replicas: number;
  /** requests one replica serves at once */
  concurrency: number;
  /** requests one replica lets wait */
  queue: number;
  serviceMs: number;
  /** service time varies uniformly by ± this fraction */
  serviceJitter: number;
  /** network round trip added to every request, ms */
  rttMs: number;
  timeoutMs: number;
}

export interface SimulationOptions {
  service: SimulatedService;
  thinkS: readonly [number, number];
  hold: HoldRule;
  /** seconds per ramp step (1 = the assignment's 1 user/s) */
  rampStepS: number;
  seed: number;
  p95ObjectiveMs?: number;
}

/** Min-heap of users by the virtual time of their next send. */
class Agenda {
  private readonly heap: Array<{ at: number; user: number }> = [];

  push(at: number, user: number): void {
    const h = this.heap;
    h.push({ at, user });
    for (let i = h.length - 1; i > 0; ) {
      const p = (i - 1) >> 1;
      if (h[p]!.at <= h[i]!.at) break;
      [h[p], h[i]] = [h[i]!, h[p]!];
      i = p;
    }
  }

  peek(): number {
    return this.heap[0]?.at ?? Infinity;
  }

  pop(): { at: number; user: number } | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last) {
      h[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && h[l]!.at < h[m]!.at) m = l;
        if (r < h.length && h[r]!.at < h[m]!.at) m = r;
        if (m === i) break;
        [h[m], h[i]] = [h[i]!, h[m]!];
        i = m;
      }
    }
    return top;
  }
}

/** One run of the model from an empty system; users are added with `setUsers` as virtual time advances. */
class Simulation {
  private readonly rng: Rng;
  private readonly agenda = new Agenda();
  /** per replica: when each slot is next free, and start times of accepted requests */
  private readonly slots: number[][];
  private readonly starts: number[][];
  private nextReplica = 0;
  private users = 0;
  private readonly active = new Set<number>();
  now = 0;

  constructor(private readonly opts: SimulationOptions) {
    this.rng = seededRng(opts.seed);
    const { replicas, concurrency } = opts.service;
    this.slots = Array.from({ length: replicas }, () => new Array<number>(concurrency).fill(0));
    this.starts = Array.from({ length: replicas }, () => []);
  }

  setUsers(n: number): void {
    for (; this.users < n; this.users += 1) {
      this.active.add(this.users);
      this.agenda.push(this.now + residualThink(this.rng, this.opts.thinkS) * 1000, this.users);
    }
    for (; this.users > n; this.users -= 1) this.active.delete(this.users - 1);
  }

  /** Advance to `until` (ms), returning the requests whose answers arrived on the way. */
  runUntil(until: number, stopAtFailure: boolean): RequestRecord[] {
    const records: RequestRecord[] = [];
    while (this.agenda.peek() <= until) {
      const next = this.agenda.pop();
      if (!next) break;
      if (!this.active.has(next.user)) continue;
      this.now = next.at;
      const record = this.send();
      records.push(record);
      const doneAt = this.now + record.latencyMs;
      this.agenda.push(doneAt + between(this.rng, this.opts.thinkS) * 1000, next.user);
      if (stopAtFailure && record.error) break;
    }
    if (!(stopAtFailure && records.some((r) => r.error))) this.now = until;
    // Answers are recorded by arrival time, as the worker does.
    return records.map((r) => ({ ...r, doneAtMs: r.doneAtMs + r.latencyMs }));
  }

  private send(): RequestRecord & { doneAtMs: number } {
    const { service } = this.opts;
    const r = this.nextReplica++ % service.replicas;
    const arrival = this.now + service.rttMs / 2;
    const starts = (this.starts[r] = this.starts[r]!.filter((s) => s > arrival));
    const name = `sim-${r}`;
    if (starts.length >= service.queue) {
      return { doneAtMs: this.now, latencyMs: service.rttMs + 1, error: 'status', servedBy: name };
    }
    const slots = this.slots[r]!;
    let k = 0;
    for (let i = 1; i < slots.length; i += 1) if (slots[i]! < slots[k]!) k = i;
    const start = Math.max(arrival, slots[k]!);
    const work = service.serviceMs * (1 + service.serviceJitter * (2 * this.rng() - 1));
    slots[k] = start + work;
    if (start > arrival) starts.push(start);
    const latency = start + work + service.rttMs / 2 - this.now;
    if (latency > service.timeoutMs) return { doneAtMs: this.now, latencyMs: service.timeoutMs, error: 'timeout' };
    return { doneAtMs: this.now, latencyMs: latency, servedBy: name };
  }
}

function stepOf(opts: SimulationOptions, users: number, records: RequestRecord[], durationS: number, startMs: number): Step {
  return buildStep({
    users,
    startedAt: new Date(startMs).toISOString(),
    durationS,
    records,
    loadGenCpu: 0,
    ...(opts.p95ObjectiveMs !== undefined ? { p95ObjectiveMs: opts.p95ObjectiveMs } : {}),
    windowS: opts.hold.windowS,
    stableTolerance: opts.hold.stableTolerance,
  });
}

export function simulatedProbe(opts: SimulationOptions): Probe & { virtualSeconds(): number } {
  let virtualMs = 0;
  let runs = 0;
  return {
    virtualSeconds: () => virtualMs / 1000,
    async hold(users) {
      const sim = new Simulation({ ...opts, seed: opts.seed + runs++ });
      sim.setUsers(users);
      const records: RequestRecord[] = [];
      let elapsedS = 0;
      do {
        elapsedS += 1;
        records.push(...sim.runUntil(elapsedS * 1000, true));
        if (records.some((r) => r.error)) break;
      } while (!holdIsDone(opts.hold, { elapsedS, answered: records.length, perSecondRequests: perSecondCounts(records, elapsedS) }));
      const durationS = Math.max(sim.now, ...records.map((r) => r.doneAtMs)) / 1000;
      virtualMs += durationS * 1000;
      return stepOf(opts, users, records, durationS, virtualMs);
    },
    async ramp(from, to) {
      const sim = new Simulation({ ...opts, seed: opts.seed + runs++ });
      const steps: Step[] = [];
      for (let users = from; users <= to; users += 1) {
        const levelStart = sim.now;
        sim.setUsers(users);
        const records = sim
          .runUntil(levelStart + opts.rampStepS * 1000, true)
          .map((r) => ({ ...r, doneAtMs: r.doneAtMs - levelStart }));
        const step = stepOf(opts, users, records, Math.max(opts.rampStepS, ...records.map((r) => r.doneAtMs / 1000)), virtualMs + levelStart);
        steps.push(step);
        if (records.some((r) => r.error)) break;
      }
      virtualMs += sim.now;
      return steps;
    },
  };
}
