/**
 * The client locations of a local run, each set up on first use and kept:
 * its path to the balancer (loopback, or netns + WAN proxy), the load
 * generator's own cgroup there, and an executor that runs the worker at it.
 */
import { closeSync, openSync } from 'node:fs';
import path from 'node:path';
import { Cgroup, type CgroupHost } from '../../../lib/cgroup/group.js';
import { REPO_ROOT } from '../../../lib/repo-root.js';
import type { Location } from '../../contracts/domain.js';
import type { LoadExecutor, LocationEndpoint } from '../backend.js';
import { createExecutor } from './executor.js';
import type { HelperProcess } from './helper-process.js';
import { setUpLocation, type LocationSetup } from './locations.js';
import type { LocalOptions } from './options.js';

export interface LocationSetContext {
  tag: string;
  stateDir: string;
  env: Record<string, string>;
  cgroups: CgroupHost | null;
  opts: LocalOptions;
  balancerPort: () => number;
  /** "; CPU/memory limits NOT enforced (…)" or empty, added to every path description */
  limitsNote: string;
  log: (event: string, fields?: Record<string, unknown>) => void;
}

export class LocationSet {
  private readonly setups = new Map<Location, Promise<LocationSetup>>();
  private readonly loadGroups = new Map<Location, Promise<Cgroup | null>>();
  /** kill switches of running workers, for teardown */
  readonly workers = new Set<() => void>();

  constructor(private readonly ctx: LocationSetContext) {}

  private setUp(location: Location): Promise<LocationSetup> {
    let setup = this.setups.get(location);
    if (!setup) {
      const { ctx } = this;
      const logFd = openSync(path.join(ctx.stateDir, `wan-${location}.log`), 'a');
      setup = setUpLocation(location, {
        tag: ctx.tag,
        balancerPort: ctx.balancerPort(),
        wan: ctx.opts.wan,
        netns: ctx.opts.remoteMode === 'netns' || (ctx.opts.remoteMode === 'auto' && process.getuid?.() === 0),
        cwd: REPO_ROOT,
        env: ctx.env,
        logFd,
        limitsNote: ctx.limitsNote,
        probe: { pings: ctx.opts.rttPings, uploadBytes: ctx.opts.bandwidthProbeBytes },
      }).finally(() => closeSync(logFd));
      setup.catch(() => this.setups.delete(location));
      this.setups.set(location, setup);
    }
    return setup;
  }

  async endpoint(location: Location): Promise<LocationEndpoint> {
    return (await this.setUp(location)).endpoint;
  }

  async executor(location: Location): Promise<LoadExecutor> {
    const setup = await this.setUp(location);
    let group = this.loadGroups.get(location);
    if (!group) {
      const host = this.ctx.cgroups;
      group = host ? Cgroup.create(host, `clouddetect-${this.ctx.tag}-loadgen-${location}`, { cpu: this.ctx.opts.loadGenCpu }) : Promise.resolve(null);
      this.loadGroups.set(location, group);
    }
    return createExecutor({
      command: this.ctx.opts.workerCommand,
      prefix: setup.prefix,
      cgroup: await group,
      cwd: REPO_ROOT,
      env: this.ctx.env,
      url: setup.endpoint.url,
      abortGraceMs: 15_000,
      log: this.ctx.log,
      track: (kill) => {
        this.workers.add(kill);
        return () => this.workers.delete(kill);
      },
    });
  }

  /** Endpoints set up so far (for the manifest). */
  async endpoints(): Promise<LocationEndpoint[]> {
    const all = await Promise.all([...this.setups.values()].map((p) => p.then((s) => s.endpoint, () => null)));
    return all.filter((e): e is LocationEndpoint => e !== null);
  }

  /** The WAN proxies, which --keep lets outlive this process. */
  async helpers(): Promise<HelperProcess[]> {
    const all = await Promise.all([...this.setups.values()].map((p) => p.then((s) => s.helper, () => null)));
    return all.filter((h): h is HelperProcess => h !== null);
  }

  killWorkers(): void {
    for (const kill of this.workers) kill();
  }

  /** One promise per clean-up step: each location's path and each generator cgroup. */
  tearDown(): Promise<unknown>[] {
    const steps: Promise<unknown>[] = [];
    for (const setup of this.setups.values()) steps.push(setup.then((s) => s.tearDown(), () => undefined));
    for (const group of this.loadGroups.values()) steps.push(group.then((g) => g?.remove(), () => undefined));
    return steps;
  }
}
