/**
 * The local Deployment: N supervised replica processes of one shape (task,
 * model, CPU and memory limits), kept in the balancer's pool while ready.
 * A new count scales like a ReplicaSet (new ones start, surplus ones leave
 * the pool, finish their requests and stop); a new shape replaces every
 * replica, as a rollout of a changed pod template would. Replicas that do
 * not become ready are removed (counters read first) and the deploy rejects
 * with DeployFailed, so nothing keeps restarting beside the next cell.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { REPO_ROOT } from '../../../lib/repo-root.js';
import type { ReplicaStats } from '../../contracts/domain.js';
import { sameReplicaShape, type DeploymentSpec } from '../../contracts/deployment.js';
import { DeployFailed, type ReplicaLog } from '../backend.js';
import { freePort } from './free-port.js';
import type { HelperProcess } from './helper-process.js';
import type { LocalOptions } from './options.js';
import { Replica } from './replica.js';
import type { ReplicaRuntime } from './replica-runtime.js';

const LOG_TAIL_LINES = 50;

export interface ReplicaSetContext {
  tag: string;
  stateDir: string;
  /** the run's marker, in every replica's environment */
  env: Record<string, string>;
  runtime: ReplicaRuntime;
  opts: LocalOptions;
  balancer: () => HelperProcess | null;
  log: (event: string, fields?: Record<string, unknown>) => void;
}

export class ReplicaSet {
  private readonly replicas: Replica[] = [];
  private shape: DeploymentSpec | null = null;
  /** bumped whenever the shape changes, so new replicas never reuse an old one's name or cgroup */
  private generation = 0;
  private poolUpdate: Promise<unknown> = Promise.resolve();

  constructor(private readonly ctx: ReplicaSetContext) {}

  get count(): number {
    return this.replicas.length;
  }

  get names(): string[] {
    return this.replicas.map((r) => r.spec.name);
  }

  get spec(): DeploymentSpec | null {
    return this.shape;
  }

  get pids(): (number | undefined)[] {
    return this.replicas.map((r) => r.pid);
  }

  async apply(spec: DeploymentSpec, signal?: AbortSignal): Promise<void> {
    if (this.shape && !sameReplicaShape(this.shape, spec)) {
      this.ctx.log('local-replace', { from: this.shape, to: spec });
      await this.scaleTo(0);
      this.generation += 1;
    }
    this.shape = spec;
    const from = this.replicas.length;
    await this.scaleTo(spec.replicas);
    this.ctx.log('local-scale', { from, to: spec.replicas });
    try {
      await Promise.all(this.replicas.map((r) => r.waitReady(this.ctx.opts.readyTimeoutMs, signal)));
    } catch (err) {
      if (signal?.aborted) throw err;
      throw await this.giveUp(err as Error);
    }
    await this.syncPool();
  }

  /** The replicas of a deploy that cannot become ready: their counters, then their removal; the next deploy starts afresh. */
  private async giveUp(err: Error): Promise<DeployFailed> {
    const stats = await this.stats();
    this.ctx.log('local-deploy-failed', { error: err.message, stats });
    await this.scaleTo(0);
    this.shape = null;
    this.generation += 1;
    return new DeployFailed(err.message, stats);
  }

  private async scaleTo(count: number): Promise<void> {
    const current = this.replicas.length;
    if (count > current) {
      for (let i = current; i < count; i++) this.replicas.push(await this.create(i));
      for (const r of this.replicas.slice(current)) r.start();
    } else if (count < current) {
      const removed = this.replicas.splice(count);
      await this.syncPool();
      await Promise.all(removed.map((r) => this.retire(r)));
    }
  }

  private async create(index: number): Promise<Replica> {
    const { ctx } = this;
    const shape = this.shape!;
    const name = `${ctx.tag}-${this.generation > 0 ? `g${this.generation}-` : ''}replica-${index}`;
    const port = await freePort();
    const launch = await ctx.runtime.launch({ name, port, shape });
    const replica = new Replica({
      name,
      port,
      ...launch,
      env: { ...launch.env, ...ctx.env },
      cwd: REPO_ROOT,
      logFile: path.join(ctx.stateDir, 'replicas', `${name}.log`),
      backoff: ctx.opts.backoff,
      probeIntervalMs: ctx.opts.probeIntervalMs,
      startFailureLimit: ctx.opts.startFailureLimit,
    });
    replica.on('ready', () => {
      ctx.log('replica-ready', { replica: name, restarts: replica.restarts });
      void this.syncPool();
    });
    replica.on('unready', () => void this.syncPool());
    replica.on('exit', (exit: { code: number | null; signal: string | null }, backoffMs: number) =>
      ctx.log('replica-exit', { replica: name, ...exit, restartInMs: backoffMs }));
    return replica;
  }

  /** Scale-down like a rolling Endpoint update: out of the pool, in-flight requests finish, then SIGTERM. */
  private async retire(replica: Replica): Promise<void> {
    const grace = this.ctx.opts.terminationGraceMs;
    await this.ctx.balancer()?.call('drain', { name: replica.spec.name, timeoutMs: grace });
    await replica.stop(grace);
    await this.ctx.runtime.remove(replica);
  }

  /** Pool updates are serialized so an older pool never overwrites a newer one. */
  syncPool(): Promise<unknown> {
    this.poolUpdate = this.poolUpdate.then(() => {
      const upstreams = this.replicas.filter((r) => r.ready).map((r) => ({ name: r.spec.name, url: r.url }));
      return this.ctx.balancer()?.call('pool', { upstreams }).catch(() => undefined);
    });
    return this.poolUpdate;
  }

  async stats(): Promise<ReplicaStats[]> {
    return Promise.all(
      this.replicas.map(async (r) => {
        const base = { name: r.spec.name, ready: r.ready, restarts: r.restarts };
        const c = await this.ctx.runtime.counters(r);
        if (!c) return { ...base, oomKilled: r.killedBySignal };
        return {
          ...base,
          oomKilled: c.oomKills,
          cpuSeconds: c.cpuSeconds,
          cpuThrottledSeconds: c.cpuThrottledSeconds,
          cpuPeriods: c.cpuPeriods,
          cpuThrottledPeriods: c.cpuThrottledPeriods,
          ...(c.memoryPeakBytes !== undefined ? { memoryPeakBytes: c.memoryPeakBytes } : {}),
        };
      }),
    );
  }

  async logs(): Promise<ReplicaLog[]> {
    return Promise.all(
      this.replicas.map(async (r) => {
        const text = await readFile(r.spec.logFile, 'utf8').catch(() => '');
        return { replica: r.spec.name, lines: text.split('\n').filter(Boolean).slice(-LOG_TAIL_LINES) };
      }),
    );
  }

  /** --keep: stop supervising; the processes and their cgroups outlive this one. */
  release(): void {
    for (const r of this.replicas) r.release();
  }

  /** Teardown: each replica stopped (short grace) and removed; one promise per replica. */
  stopAll(graceMs: number): Promise<unknown>[] {
    return this.replicas.map(async (r) => {
      await r.stop(graceMs);
      await this.ctx.runtime.remove(r);
    });
  }
}
