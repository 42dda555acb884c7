/**
 * How the balancer binds a request to a replica, per BalancerSpec: an early
 * policy names one at once (on the balancer's true in-flight counts); a late
 * one waits in a central queue for a free slot. first-available runs
 * `activators` queues, requests spread over them round-robin, each counting
 * only the slots it handed out, as Knative's activators do.
 */
import type { BalancerSpec } from '../../contracts/deployment.js';
import { CentralQueue } from './central-queue.js';
import { createPicker, createSlotChooser, type PoolMember } from './pick.js';

export interface Binding {
  name: string;
  /** the request is over (answered, failed or cut): its slot is free again */
  release(): void;
}

export interface Binder {
  /** the replica for the next request; undefined when an early policy has no ready replica; rejects with QueueRefused or the abort reason */
  bind(signal: AbortSignal): Promise<Binding | undefined>;
  /** the ready replicas, in order */
  setPool(names: readonly string[]): void;
  /** requests waiting for a slot */
  waiting(): number;
}

export function createBinder(spec: BalancerSpec, pool: () => readonly PoolMember[], random: () => number = Math.random): Binder {
  if (spec.policy !== 'late-binding' && spec.policy !== 'first-available') {
    const pick = createPicker(spec.policy, random);
    return {
      bind: async () => {
        const member = pick(pool());
        return member && { name: member.name, release: () => undefined };
      },
      setPool: () => undefined,
      waiting: () => 0,
    };
  }
  const count = spec.policy === 'first-available' ? spec.activators : 1;
  const queues = Array.from({ length: count }, () =>
    new CentralQueue(createSlotChooser(spec.policy, spec.replicaConcurrency), { queueBound: spec.queueBound, waitTimeoutMs: spec.waitTimeoutMs }));
  queues.forEach((q) => q.setPool(pool().map((m) => m.name)));
  let next = 0;
  return {
    async bind(signal) {
      const queue = queues[next]!;
      next = (next + 1) % queues.length;
      const name = await queue.acquire(signal);
      let released = false;
      return {
        name,
        release: () => {
          if (released) return;
          released = true;
          queue.release(name);
        },
      };
    },
    setPool: (names) => queues.forEach((q) => q.setPool(names)),
    waiting: () => queues.reduce((n, q) => n + q.waiting, 0),
  };
}
