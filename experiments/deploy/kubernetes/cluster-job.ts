/**
 * The `cluster` location's executor: one LoadJob becomes one Kubernetes Job
 * running the same load worker inside the cluster. The worker prints its
 * LoadJobResult as the last JSON line of its log; that line is the result.
 */
import type { V1Job, V1Pod } from '@kubernetes/client-node';
import type { LoadExecutor } from '../backend.js';
import { lastError, resultFor, resultFromLog, type LoadJob } from '../../load/protocol/schema.js';
import type { ClusterApi } from './api.js';
import { LOAD_JOB_LABEL } from './names.js';
import type { KubernetesOptions } from './options.js';
import { renderLoadJob } from './render.js';
import { pollUntil, WaitFailed } from './poll.js';
import { describePod, hopelessReason } from './rollout.js';

const CLIENT_CONTAINER = 'load-client';
/** time for scheduling, image start and the worker's own set-up, on top of the load itself */
const START_ALLOWANCE_S = 120;

/** How long the Job may take: twice the load it carries, plus the start. */
export function jobDeadlineS(job: LoadJob): number {
  if (job.kind === 'saturation') return job.concurrencies.length * (job.warmupS + job.durationS) * 2 + START_ALLOWANCE_S;
  if (job.kind === 'open') return (job.warmupS + job.durationS + job.timeoutMs / 1000) * 2 + START_ALLOWANCE_S;
  const maxHoldS = job.maxHoldS ?? job.holdS;
  return job.levels.length * maxHoldS * 2 + START_ALLOWANCE_S;
}

function finished(job: V1Job): 'succeeded' | 'failed' | undefined {
  const s = job.status ?? {};
  if ((s.succeeded ?? 0) > 0 || s.conditions?.some((c) => c.type === 'Complete' && c.status === 'True')) return 'succeeded';
  if ((s.failed ?? 0) > 0 || s.conditions?.some((c) => c.type === 'Failed' && c.status === 'True')) return 'failed';
  return undefined;
}

export interface ClusterJobContext {
  api: ClusterApi;
  kube: KubernetesOptions;
  runId: string;
  /** the in-cluster endpoint every job is pointed at */
  url: string;
  log: (event: string, fields?: Record<string, unknown>) => void;
  /** next Job number of this run */
  nextSequence: () => number;
}

export function createClusterJobExecutor(ctx: ClusterJobContext): LoadExecutor {
  return {
    async run(job, signal) {
      signal?.throwIfAborted();
      // an open job sends no images
      const inCluster: LoadJob = job.kind === 'open' ? { ...job, url: ctx.url } : { ...job, url: ctx.url, imagesDir: ctx.kube.imageImagesDir };
      const deadlineS = jobDeadlineS(job);
      const rendered = renderLoadJob(
        { runId: ctx.runId, sequence: ctx.nextSequence(), job: inCluster, namespace: ctx.api.namespace, activeDeadlineS: deadlineS },
        ctx.kube,
      );
      const name = rendered.name;
      for (const obj of rendered.objects) await ctx.api.apply(obj);
      ctx.log('kubernetes.job.started', { job: name, kind: job.kind });
      try {
        const outcome = await waitForJob(ctx, name, deadlineS * 1000, signal);
        const pod = await jobPod(ctx.api, name);
        const log = pod ? await ctx.api.podLog(pod.metadata?.name ?? '', undefined, CLIENT_CONTAINER) : '';
        const result = resultFromLog(log);
        if (outcome === 'succeeded' && result) {
          ctx.log('kubernetes.job.finished', { job: name, kind: result.kind });
          return resultFor(job, result);
        }
        const why = pod ? describePod(pod, await ctx.api.podEvents(pod.metadata?.name ?? '').catch(() => [])) : 'no pod was created';
        const detail = log ? `${lastError(log)}; ${why}` : why;
        throw new Error(`load job ${name} ${outcome === 'succeeded' ? 'printed no result' : 'failed'}: ${detail}`);
      } finally {
        if (!ctx.kube.keep) await ctx.api.delete('Job', name).catch((err: Error) => ctx.log('kubernetes.job.delete-failed', { job: name, error: err.message }));
      }
    },
  };
}

async function jobPod(api: ClusterApi, name: string): Promise<V1Pod | undefined> {
  const pods = await api.listPods(`${LOAD_JOB_LABEL}=${name}`);
  const created = (p: V1Pod) => new Date(p.metadata?.creationTimestamp ?? 0).getTime();
  return pods.sort((a, b) => created(b) - created(a))[0];
}

async function waitForJob(ctx: ClusterJobContext, name: string, timeoutMs: number, signal?: AbortSignal): Promise<'succeeded' | 'failed'> {
  const outcome = await pollUntil(
    async () => {
      const state = finished(await ctx.api.readJob(name));
      if (state) return state;
      const pod = await jobPod(ctx.api, name);
      const hopeless = pod && hopelessReason([pod]);
      if (hopeless) throw new WaitFailed(`load job ${name} cannot start: ${hopeless}`);
      return undefined;
    },
    { timeoutMs, pollMs: ctx.kube.pollMs, ...(signal ? { signal } : {}) },
  );
  if (outcome) return outcome;
  const pod = await jobPod(ctx.api, name);
  const why = pod ? describePod(pod, await ctx.api.podEvents(pod.metadata?.name ?? '').catch(() => [])) : 'no pod was created';
  throw new Error(`load job ${name} did not finish within ${timeoutMs / 1000} s: ${why}`);
}
