/**
 * The embedded local cluster: a ReplicaSet of cgroup-limited processes
 * behind a NodePort-like balancer process on one port, client locations on
 * demand, everything labelled with the run's tag so down(), the reaper or
 * purge can remove it. This class owns the lifecycle; the parts do the work.
 */
import { closeSync, openSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { probeCgroups, type CgroupHost } from '../../../lib/cgroup/group.js';
import { readHostCpu, type HostCpu } from '../../../lib/host-cpu.js';
import { REPO_ROOT } from '../../../lib/repo-root.js';
import type { Location, ReplicaStats } from '../../contracts/domain.js';
import type { BalancerSpec, DeploymentSpec } from '../../contracts/deployment.js';
import type { Backend, BackendContext, LoadExecutor, LocationEndpoint, ReplicaLog } from '../backend.js';
import { startHelper, type HelperProcess } from './helper-process.js';
import { LocationSet } from './location-set.js';
import { writeManifest } from './manifest.js';
import type { LocalOptions } from './options.js';
import { claimRun, MARKER_ENV, releaseRun, type RunRecord } from './ownership.js';
import { ProcessGuard } from './process-guard.js';
import { ReplicaSet } from './replica-set.js';
import { processRuntime, type ReplicaRuntime } from './replica-runtime.js';

/** What runs the replicas when they are not this machine's processes (podman: containers), and the backend's name then. */
export interface ReplicaFlavour {
  name: string;
  runtime: (run: { tag: string; cgroups: CgroupHost | null }) => ReplicaRuntime;
}

const INITIAL_BALANCER: BalancerSpec = { policy: 'round-robin' };

export class LocalBackend implements Backend {
  readonly name: string;
  private readonly runtime: ReplicaRuntime;
  private readonly env: Record<string, string>;
  private readonly replicas: ReplicaSet;
  private readonly locations: LocationSet;
  private readonly guard: ProcessGuard;
  private balancer: HelperProcess | null = null;
  private policy: BalancerSpec = INITIAL_BALANCER;
  private downing: Promise<void> | null = null;

  private constructor(
    private readonly ctx: BackendContext,
    private readonly opts: LocalOptions,
    private readonly run: RunRecord,
    private readonly cgroups: CgroupHost | null,
    private readonly limitsNote: string,
    flavour: ReplicaFlavour | undefined,
  ) {
    this.name = flavour?.name ?? 'local';
    this.runtime = flavour ? flavour.runtime({ tag: run.tag, cgroups }) : processRuntime(cgroups, opts.replicaCommand, opts.replicaEnv);
    this.env = { [MARKER_ENV]: run.tag };
    const shared = { tag: run.tag, stateDir: ctx.stateDir, env: this.env, cgroups, opts, log: ctx.log };
    this.replicas = new ReplicaSet({ ...shared, runtime: this.runtime, balancer: () => this.balancer });
    this.locations = new LocationSet({ ...shared, limitsNote, balancerPort: () => this.balancerPort() });
    this.guard = new ProcessGuard({
      tag: run.tag,
      stateDir: ctx.stateDir,
      reaper: opts.reaper,
      handleSignals: opts.handleSignals,
      killNow: () => this.killAllNow(),
      down: () => this.down(),
      log: ctx.log,
    });
  }

  get limitsEnforced(): boolean {
    return this.runtime.limitsEnforced;
  }

  static async start(ctx: BackendContext, opts: LocalOptions, flavour?: ReplicaFlavour): Promise<LocalBackend> {
    const run = await claimRun(ctx.runId);
    const probe = await probeCgroups();
    const backend = new LocalBackend(ctx, opts, run, probe.ok ? probe.host : null, probe.ok ? '' : `; CPU/memory limits NOT enforced (${probe.reason})`, flavour);
    if (!backend.limitsEnforced) {
      const reason = probe.ok ? 'the replica runtime applies none' : probe.reason;
      ctx.log('limits-not-enforced', { reason });
      process.stderr.write(`\n*** ${backend.name} backend: CPU and memory limits are NOT enforced (${reason}); results are not comparable to a limited cluster ***\n\n`);
    }
    try {
      await mkdir(path.join(ctx.stateDir, 'replicas'), { recursive: true });
      backend.guard.install();
      await backend.startBalancer();
      ctx.log('local-up', { backend: backend.name, tag: run.tag, balancerPort: backend.balancerPort(), limitsEnforced: backend.limitsEnforced, cgroupVersion: probe.ok ? probe.host.layout.version : null });
      await backend.saveManifest();
      return backend;
    } catch (err) {
      await backend.down();
      throw err;
    }
  }

  private async startBalancer(): Promise<void> {
    const logFd = openSync(path.join(this.ctx.stateDir, 'balancer.log'), 'a');
    try {
      this.balancer = await startHelper(
        path.join(REPO_ROOT, 'experiments/deploy/local/balancer-main.ts'),
        { ...this.env, LB_BALANCER: JSON.stringify(this.policy), LB_PORT: String(this.opts.balancerPort) },
        { cwd: REPO_ROOT, logFd },
      );
    } finally {
      closeSync(logFd);
    }
  }

  private balancerPort(): number {
    if (!this.balancer) throw new Error('local backend is not up');
    return this.balancer.port;
  }

  /** Last resort when the process exits without down(): no awaiting possible, so kill; the reaper removes the rest. */
  private killAllNow(): void {
    this.locations.killWorkers();
    for (const pid of [...this.replicas.pids, this.balancer?.child.pid]) {
      if (pid === undefined) continue;
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }

  async deploy(spec: DeploymentSpec, signal?: AbortSignal): Promise<void> {
    if (this.downing) throw new Error('local backend is down');
    if (!isDeepStrictEqual(spec.balancer, this.policy)) {
      await this.balancer?.call('policy', { spec: spec.balancer });
      this.ctx.log('local-policy', { from: this.policy, to: spec.balancer });
      this.policy = spec.balancer;
    }
    await this.replicas.apply(spec, signal);
    await this.saveManifest();
  }

  async endpoint(location: Location): Promise<LocationEndpoint> {
    const endpoint = await this.locations.endpoint(location);
    this.ctx.log('local-endpoint', { ...endpoint });
    await this.saveManifest();
    return endpoint;
  }

  executor(location: Location): Promise<LoadExecutor> {
    return this.locations.executor(location);
  }

  replicaStats(): Promise<ReplicaStats[]> {
    return this.replicas.stats();
  }

  /** The replicas, the balancer and the generators all run on this machine. */
  hostCpu(): Promise<HostCpu | null> {
    return readHostCpu();
  }

  logs(): Promise<ReplicaLog[]> {
    return this.replicas.logs();
  }

  /**
   * --keep: replicas, balancer, WAN proxies, cgroups and the namespace stay after this process
   * exits. The run record stays too, so purge removes them once this process is gone.
   */
  async detach(): Promise<void> {
    if (this.downing) return;
    this.downing = Promise.resolve();
    this.replicas.release();
    for (const h of [this.balancer, ...(await this.locations.helpers())]) await h?.release();
    this.guard.uninstall();
    this.ctx.log('local-detach', { tag: this.run.tag, hint: 'purge removes it' });
  }

  down(): Promise<void> {
    this.downing ??= this.tearDown();
    return this.downing;
  }

  private async tearDown(): Promise<void> {
    this.locations.killWorkers();
    const steps = [...this.replicas.stopAll(Math.min(this.opts.terminationGraceMs, 5000)), ...this.locations.tearDown()];
    const failures = (await Promise.allSettled(steps)).filter((s): s is PromiseRejectedResult => s.status === 'rejected');
    await this.balancer?.stop();
    await releaseRun(this.run.tag);
    this.guard.uninstall();
    this.ctx.log('local-down', { tag: this.run.tag, failures: failures.map((f) => String(f.reason)) });
    if (failures.length > 0) throw new Error(`local backend down: ${failures.length} clean-up step(s) failed: ${failures.map((f) => String(f.reason)).join('; ')}`);
  }

  private async saveManifest(): Promise<void> {
    const o = this.opts;
    const shape = this.replicas.spec;
    const { policy, ...settings } = this.policy;
    await writeManifest(this.ctx.stateDir, {
      kind: 'LocalDeployment',
      runId: this.ctx.runId,
      tag: this.run.tag,
      task: shape?.task ?? 'detection',
      updatedAt: new Date().toISOString(),
      limitsEnforced: this.limitsEnforced,
      ...(this.limitsNote ? { limitsNote: this.limitsNote.replace(/^; /, '') } : {}),
      cgroupVersion: this.cgroups?.layout.version ?? null,
      replicas: {
        count: this.replicas.count,
        names: this.replicas.names,
        runtime: this.runtime.describe,
        modelPath: shape?.modelPath ?? null,
        resources: shape ? { cpu: shape.cpu, memoryMi: shape.memoryMi } : null,
        restartPolicy: { policy: 'Always', backoffInitialMs: o.backoff.initialMs, backoffMaxMs: o.backoff.maxMs },
        readinessProbe: { path: '/readyz', periodMs: o.probeIntervalMs, timeoutMs: o.readyTimeoutMs },
      },
      balancer: { kind: 'NodePort-like HTTP proxy', policy, ...(Object.keys(settings).length > 0 ? { settings } : {}), url: `http://127.0.0.1:${this.balancer?.port ?? 0}`, process: 'own process, outside replica cgroups' },
      loadGenerator: { cpu: this.cgroups ? o.loadGenCpu : null, command: o.workerCommand },
      wan: o.wan,
      locations: await this.locations.endpoints(),
    });
  }
}
