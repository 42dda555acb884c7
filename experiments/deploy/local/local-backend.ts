/**
 * The embedded local cluster: replicas as cgroup-limited processes behind a
 * balancer process on one port, client locations on demand, everything
 * labelled with the run's tag so down(), the reaper or purge can remove it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import { openSync, closeSync } from 'node:fs';
import type net from 'node:net';
import path from 'node:path';
import type { Backend, LoadExecutor, LocationEndpoint, ReplicaLog } from '../backend.js';
import type { Location, ReplicaStats } from '../../record/schema.js';
import { Cgroup, probeCgroups, type CgroupHost } from '../../../lib/cgroup/group.js';
import { createExecutor } from './executor.js';
import { freePort } from './free-port.js';
import { startHelper, type HelperProcess } from './helper-process.js';
import { setUpLocation, type LocationSetup } from './locations.js';
import { writeManifest } from './manifest.js';
import { replicaModelEnv } from '../model-env.js';
import { REPO_ROOT, type ResolvedOptions } from './options.js';
import { claimRun, MARKER_ENV, releaseRun, type RunRecord } from './ownership.js';
import { Replica } from './replica.js';

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const LOG_TAIL_LINES = 50;

export class LocalBackend implements Backend {
  readonly name = 'local';
  private readonly replicas: Replica[] = [];
  private readonly locations = new Map<Location, Promise<LocationSetup>>();
  private readonly loadGroups = new Map<Location, Promise<Cgroup | null>>();
  private readonly workers = new Set<() => void>();
  private readonly env: Record<string, string>;
  private balancer: HelperProcess | null = null;
  private reaper: ChildProcess | null = null;
  private poolUpdate: Promise<unknown> = Promise.resolve();
  private downing: Promise<void> | null = null;
  private readonly onSignal = new Map<NodeJS.Signals, () => void>();
  private readonly onExit = () => this.killAllNow();

  private constructor(
    private readonly opts: ResolvedOptions,
    private readonly run: RunRecord,
    private readonly cgroups: CgroupHost | null,
    private readonly limitsNote: string,
  ) {
    this.env = { [MARKER_ENV]: run.tag };
  }

  get limitsEnforced(): boolean {
    return this.cgroups !== null;
  }

  static async start(opts: ResolvedOptions): Promise<LocalBackend> {
    const run = await claimRun(opts.runId);
    const probe = await probeCgroups();
    const note = probe.ok ? '' : `; CPU/memory limits NOT enforced (${probe.reason})`;
    const backend = new LocalBackend(opts, run, probe.ok ? probe.host : null, note);
    if (!probe.ok) {
      opts.log('limits-not-enforced', { reason: probe.reason });
      process.stderr.write(`\n*** local backend: CPU and memory limits are NOT enforced (${probe.reason}); results are not comparable to a limited cluster ***\n\n`);
    }
    try {
      await mkdir(path.join(opts.stateDir, 'replicas'), { recursive: true });
      if (opts.reaper) backend.startReaper();
      backend.installHandlers();
      const logFd = openSync(path.join(opts.stateDir, 'balancer.log'), 'a');
      try {
        backend.balancer = await startHelper(
          path.join(REPO_ROOT, 'experiments/deploy/local/balancer-main.ts'),
          { ...backend.env, LB_STRATEGY: opts.balancer, LB_PORT: String(opts.balancerPort) },
          { cwd: REPO_ROOT, logFd },
        );
      } finally {
        closeSync(logFd);
      }
      opts.log('local-up', { tag: run.tag, balancerPort: backend.balancer.port, limitsEnforced: backend.limitsEnforced, cgroupVersion: probe.ok ? probe.host.layout.version : null });
      await backend.saveManifest();
      return backend;
    } catch (err) {
      await backend.down();
      throw err;
    }
  }

  private startReaper(): void {
    const out = openSync(path.join(this.opts.stateDir, 'reaper.log'), 'a');
    const env: NodeJS.ProcessEnv = { ...process.env, REAPER_TAG: this.run.tag };
    delete env[MARKER_ENV];
    const reaper = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'experiments/deploy/local/reaper-main.ts')], {
      cwd: REPO_ROOT, env, stdio: ['pipe', out, out], detached: true,
    });
    closeSync(out);
    // neither the reaper nor its pipe may keep this process alive; the pipe closing is the reaper's cue
    reaper.unref();
    (reaper.stdin as net.Socket).unref();
    this.reaper = reaper;
  }

  private installHandlers(): void {
    process.on('exit', this.onExit);
    if (!this.opts.handleSignals) return;
    for (const sig of SIGNALS) {
      const handler = () => {
        // another listener (the experiment's CLI) owns the shutdown: it aborts the trial, keeps the
        // worker's partial result and then calls down(); tearing down here would SIGKILL that worker
        if (process.listenerCount(sig) > 1) return;
        this.opts.log('signal', { signal: sig });
        void this.down().finally(() => {
          if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
        });
      };
      this.onSignal.set(sig, handler);
      process.on(sig, handler);
    }
  }

  private removeHandlers(): void {
    process.off('exit', this.onExit);
    for (const [sig, handler] of this.onSignal) process.off(sig, handler);
  }

  /** Last resort when the process exits without down(): no awaiting possible, so kill; the reaper removes the rest. */
  private killAllNow(): void {
    for (const kill of this.workers) kill();
    const pids = [...this.replicas.map((r) => r.pid), this.balancer?.child.pid];
    for (const pid of pids) {
      if (pid === undefined) continue;
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }

  async up(replicas: number, signal?: AbortSignal): Promise<void> {
    await this.scale(replicas, signal);
  }

  async scale(replicas: number, signal?: AbortSignal): Promise<void> {
    if (!Number.isInteger(replicas) || replicas < 1) throw new Error(`replicas must be a positive integer, got ${replicas}`);
    if (this.downing) throw new Error('local backend is down');
    const current = this.replicas.length;
    if (replicas > current) {
      for (let i = current; i < replicas; i++) this.replicas.push(await this.createReplica(i));
      for (const r of this.replicas.slice(current)) r.start();
    } else if (replicas < current) {
      const removed = this.replicas.splice(replicas);
      await this.syncPool();
      await Promise.all(removed.map((r) => this.retire(r)));
    }
    this.opts.log('local-scale', { from: current, to: replicas });
    await Promise.all(this.replicas.map((r) => r.waitReady(this.opts.readyTimeoutMs, signal)));
    await this.syncPool();
    await this.saveManifest();
  }

  private async createReplica(index: number): Promise<Replica> {
    const name = `${this.run.tag}-replica-${index}`;
    const cgroup = this.cgroups
      ? await Cgroup.create(this.cgroups, `clouddetect-${this.run.tag}-replica-${index}`, { cpu: this.opts.replicaCpu, memoryMi: this.opts.replicaMemoryMi })
      : null;
    const replica = new Replica({
      name,
      port: await freePort(),
      command: this.opts.replicaCommand,
      env: { ...this.opts.replicaEnv, ...this.env, ...replicaModelEnv(this.opts) },
      cwd: REPO_ROOT,
      logFile: path.join(this.opts.stateDir, 'replicas', `${name}.log`),
      cgroup,
      backoff: this.opts.backoff,
      probeIntervalMs: this.opts.probeIntervalMs,
    });
    replica.on('ready', () => {
      this.opts.log('replica-ready', { replica: name, restarts: replica.restarts });
      void this.syncPool();
    });
    replica.on('unready', () => void this.syncPool());
    replica.on('exit', (exit: { code: number | null; signal: string | null }, backoffMs: number) =>
      this.opts.log('replica-exit', { replica: name, ...exit, restartInMs: backoffMs }));
    return replica;
  }

  /** Scale-down like a rolling Endpoint update: out of the pool, in-flight requests finish, then SIGTERM. */
  private async retire(replica: Replica): Promise<void> {
    await this.balancer?.call('drain', { name: replica.spec.name, timeoutMs: this.opts.terminationGraceMs });
    await replica.stop(this.opts.terminationGraceMs);
    await replica.spec.cgroup?.remove();
  }

  /** Pool updates are serialized so an older pool never overwrites a newer one. */
  private syncPool(): Promise<unknown> {
    this.poolUpdate = this.poolUpdate.then(() => {
      const upstreams = this.replicas.filter((r) => r.ready).map((r) => ({ name: r.spec.name, url: r.url }));
      return this.balancer?.call('pool', { upstreams }).catch(() => undefined);
    });
    return this.poolUpdate;
  }

  private location(location: Location): Promise<LocationSetup> {
    let setup = this.locations.get(location);
    if (!setup) {
      if (!this.balancer) throw new Error('local backend is not up');
      const logFd = openSync(path.join(this.opts.stateDir, `wan-${location}.log`), 'a');
      setup = setUpLocation(location, {
        tag: this.run.tag,
        balancerPort: this.balancer.port,
        wan: this.opts.wan,
        netns: this.opts.remoteMode === 'netns' || (this.opts.remoteMode === 'auto' && process.getuid?.() === 0),
        cwd: REPO_ROOT,
        env: this.env,
        logFd,
        limitsNote: this.limitsNote,
        probe: { pings: this.opts.rttPings, uploadBytes: this.opts.bandwidthProbeBytes },
      }).finally(() => closeSync(logFd));
      setup.catch(() => this.locations.delete(location));
      this.locations.set(location, setup);
    }
    return setup;
  }

  async endpoint(location: Location): Promise<LocationEndpoint> {
    const { endpoint } = await this.location(location);
    this.opts.log('local-endpoint', { ...endpoint });
    await this.saveManifest();
    return endpoint;
  }

  async executor(location: Location): Promise<LoadExecutor> {
    const setup = await this.location(location);
    let group = this.loadGroups.get(location);
    if (!group) {
      const host = this.cgroups;
      group = host ? Cgroup.create(host, `clouddetect-${this.run.tag}-loadgen-${location}`, { cpu: this.opts.loadGenCpu }) : Promise.resolve(null);
      this.loadGroups.set(location, group);
    }
    return createExecutor({
      command: this.opts.workerCommand,
      prefix: setup.prefix,
      cgroup: await group,
      cwd: REPO_ROOT,
      env: this.env,
      url: setup.endpoint.url,
      abortGraceMs: 15_000,
      log: this.opts.log,
      track: (kill) => {
        this.workers.add(kill);
        return () => this.workers.delete(kill);
      },
    });
  }

  async replicaStats(): Promise<ReplicaStats[]> {
    return Promise.all(
      this.replicas.map(async (r) => {
        const base = { name: r.spec.name, ready: r.ready, restarts: r.restarts };
        if (!r.spec.cgroup) return { ...base, oomKilled: r.killedBySignal };
        const c = await r.spec.cgroup.counters();
        return { ...base, oomKilled: c.oomKills, cpuSeconds: c.cpuSeconds, cpuThrottledSeconds: c.cpuThrottledSeconds, ...(c.memoryPeakBytes !== undefined ? { memoryPeakBytes: c.memoryPeakBytes } : {}) };
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

  /**
   * --keep: replicas, balancer, WAN proxies, cgroups and the namespace stay after this process
   * exits. The run record stays too, so purge removes them once this process is gone.
   */
  async detach(): Promise<void> {
    if (this.downing) return;
    this.downing = Promise.resolve();
    for (const r of this.replicas) r.release();
    const helpers = [this.balancer, ...(await Promise.all([...this.locations.values()].map((p) => p.then((s) => s.helper, () => null))))];
    for (const h of helpers) await h?.release();
    this.reaper?.kill('SIGTERM');
    this.removeHandlers();
    this.opts.log('local-detach', { tag: this.run.tag, hint: 'purge removes it' });
  }

  down(): Promise<void> {
    this.downing ??= this.tearDown();
    return this.downing;
  }

  private async tearDown(): Promise<void> {
    for (const kill of this.workers) kill();
    const steps: Promise<unknown>[] = this.replicas.map(async (r) => {
      await r.stop(Math.min(this.opts.terminationGraceMs, 5000));
      await r.spec.cgroup?.remove();
    });
    for (const setup of this.locations.values()) steps.push(setup.then((s) => s.tearDown(), () => undefined));
    for (const group of this.loadGroups.values()) steps.push(group.then((g) => g?.remove(), () => undefined));
    const failures = (await Promise.allSettled(steps)).filter((s): s is PromiseRejectedResult => s.status === 'rejected');
    await this.balancer?.stop();
    await releaseRun(this.run.tag);
    this.reaper?.kill('SIGTERM');
    this.removeHandlers();
    this.opts.log('local-down', { tag: this.run.tag, failures: failures.map((f) => String(f.reason)) });
    if (failures.length > 0) throw new Error(`local backend down: ${failures.length} clean-up step(s) failed: ${failures.map((f) => String(f.reason)).join('; ')}`);
  }

  private async saveManifest(): Promise<void> {
    const o = this.opts;
    const locations = await Promise.all([...this.locations.values()].map((p) => p.then((s) => s.endpoint, () => null)));
    await writeManifest(o.stateDir, {
      kind: 'LocalDeployment',
      runId: o.runId,
      tag: this.run.tag,
      task: o.task,
      updatedAt: new Date().toISOString(),
      limitsEnforced: this.limitsEnforced,
      ...(this.limitsNote ? { limitsNote: this.limitsNote.replace(/^; /, '') } : {}),
      cgroupVersion: this.cgroups?.layout.version ?? null,
      replicas: {
        count: this.replicas.length,
        names: this.replicas.map((r) => r.spec.name),
        command: o.replicaCommand,
        modelPath: o.modelPath,
        resources: { cpu: o.replicaCpu, memoryMi: o.replicaMemoryMi },
        restartPolicy: { policy: 'Always', backoffInitialMs: o.backoff.initialMs, backoffMaxMs: o.backoff.maxMs },
        readinessProbe: { path: '/readyz', periodMs: o.probeIntervalMs, timeoutMs: o.readyTimeoutMs },
      },
      balancer: { kind: 'NodePort-like HTTP proxy', strategy: o.balancer, url: `http://127.0.0.1:${this.balancer?.port ?? 0}`, process: 'own process, outside replica cgroups' },
      loadGenerator: { cpu: this.cgroups ? o.loadGenCpu : null, command: o.workerCommand },
      wan: o.wan,
      locations: locations.filter((l): l is LocationEndpoint => l !== null),
    });
  }
}
