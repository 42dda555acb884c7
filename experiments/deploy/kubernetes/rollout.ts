/**
 * Waiting for a Deployment to reach its replica count. The verdict is a pure
 * function of the Deployment status; image and config errors and repeated
 * OOM kills end the wait at once, and on timeout each unready pod is
 * explained from its container states and events.
 */
import type { CoreV1Event, V1Deployment, V1Pod } from '@kubernetes/client-node';
import type { ClusterApi } from './api.js';
import { pollUntil, WaitFailed, type PollOptions } from './poll.js';

export interface RolloutVerdict {
  done: boolean;
  /** why not yet, e.g. "2/4 ready" */
  waitingFor: string;
}

/** Done when the controller has seen the latest spec and every replica is updated, ready and available, with no extra ones left. */
export function rolloutVerdict(d: V1Deployment, replicas: number): RolloutVerdict {
  const generation = d.metadata?.generation ?? 0;
  const s = d.status ?? {};
  if ((s.observedGeneration ?? 0) < generation) return { done: false, waitingFor: `controller has not observed generation ${generation}` };
  const counts = { updated: s.updatedReplicas ?? 0, ready: s.readyReplicas ?? 0, available: s.availableReplicas ?? 0, total: s.replicas ?? 0 };
  if (counts.updated < replicas) return { done: false, waitingFor: `${counts.updated}/${replicas} updated` };
  if (counts.ready < replicas) return { done: false, waitingFor: `${counts.ready}/${replicas} ready` };
  if (counts.available < replicas) return { done: false, waitingFor: `${counts.available}/${replicas} available` };
  if (counts.total > replicas) return { done: false, waitingFor: `${counts.total - replicas} old replicas still running` };
  return { done: true, waitingFor: '' };
}

/** Container states that never fix themselves while we wait. */
const HOPELESS = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName', 'CreateContainerConfigError', 'CreateContainerError']);

function isReady(p: V1Pod): boolean {
  return p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** "pod-a: Running, not ready, 1 restart (last: OOMKilled), Warning Unhealthy: Readiness probe failed ..." */
export function describePod(p: V1Pod, events: readonly CoreV1Event[]): string {
  const parts = [p.status?.phase ?? 'Unknown', isReady(p) ? 'ready' : 'not ready'];
  for (const c of p.status?.containerStatuses ?? []) {
    if (c.state?.waiting?.reason) parts.push(`${c.name} waiting: ${c.state.waiting.reason}${c.state.waiting.message ? ` (${c.state.waiting.message})` : ''}`);
    if (c.state?.terminated?.reason) parts.push(`${c.name} terminated: ${c.state.terminated.reason}`);
    if (c.restartCount > 0) {
      const last = c.lastState?.terminated?.reason;
      parts.push(`${c.restartCount} restart${c.restartCount > 1 ? 's' : ''}${last ? ` (last: ${last})` : ''}`);
    }
  }
  const warnings = events.filter((e) => e.type === 'Warning').slice(-3);
  for (const e of warnings) parts.push(`${e.reason}: ${(e.message ?? '').trim()}`);
  return `${p.metadata?.name ?? '?'}: ${parts.join(', ')}`;
}

/**
 * OOM kills before a pod ever served: no load has reached it yet, so its limit
 * is below what the model needs to start, and every restart ends the same way
 * (the resources study's too-small cells). Two, so one unlucky kill is retried.
 */
const OOM_KILLS_WHILE_STARTING = 2;

/** A container state that will not recover, as a message; undefined when none. */
export function hopelessReason(pods: readonly V1Pod[]): string | undefined {
  for (const p of pods) {
    for (const c of p.status?.containerStatuses ?? []) {
      const reason = c.state?.waiting?.reason;
      if (reason && HOPELESS.has(reason)) return `${p.metadata?.name}: ${reason}${c.state?.waiting?.message ? ` (${c.state.waiting.message})` : ''}`;
      if (c.lastState?.terminated?.reason === 'OOMKilled' && c.restartCount >= OOM_KILLS_WHILE_STARTING) {
        return `${p.metadata?.name}: OOMKilled ${c.restartCount} times while starting (its memory limit is below what it needs to start)`;
      }
    }
  }
  return undefined;
}

export interface WaitOptions extends PollOptions {
  /** label selector of the Deployment's pods, for the explanation */
  podSelector: string;
}

export async function waitForRollout(api: ClusterApi, name: string, replicas: number, opts: WaitOptions): Promise<void> {
  let last: RolloutVerdict = { done: false, waitingFor: 'first poll' };
  const done = await pollUntil(async () => {
    last = rolloutVerdict(await api.readDeployment(name), replicas);
    if (last.done) return true;
    const hopeless = hopelessReason(await api.listPods(opts.podSelector));
    if (hopeless) throw new WaitFailed(`deployment ${name} cannot become ready: ${hopeless}`);
    return undefined;
  }, opts);
  if (!done) throw new WaitFailed(`deployment ${name} not ready after ${opts.timeoutMs / 1000} s (${last.waitingFor}): ${await explainPods(api, opts.podSelector)}`);
}

async function explainPods(api: ClusterApi, selector: string): Promise<string> {
  try {
    const pods = (await api.listPods(selector)).filter((p) => !isReady(p) && !p.metadata?.deletionTimestamp);
    if (!pods.length) return 'all pods ready, the Deployment status lags';
    const described = await Promise.all(pods.map(async (p) => describePod(p, await api.podEvents(p.metadata?.name ?? '').catch(() => []))));
    return described.join('; ');
  } catch (err) {
    return `pods could not be listed (${err instanceof Error ? err.message : String(err)})`;
  }
}
