/**
 * cgroups v1 and v2 as the local backend needs them: one group per replica
 * (or per load generator) with a CPU quota and a memory limit, its counters,
 * and removal. Groups nest under this process's own cgroup so whatever
 * already limits the caller keeps limiting the replicas.
 */
import { readFile, writeFile, mkdir, rmdir, readdir, access } from 'node:fs/promises';
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type CgroupCounters, type CgroupLayout, countersV1, countersV2, cpuMax, cpuQuotaUs, CFS_PERIOD_US,
  layoutFromMountinfo, memoryBytes, parseProcCgroup,
} from './parse.js';

/** Every group this backend creates starts with this, so purge can find leftovers. */
export const CGROUP_PREFIX = 'clouddetect-';

type Controller = 'cpu' | 'cpuacct' | 'memory';
const CONTROLLERS: Controller[] = ['cpu', 'cpuacct', 'memory'];

export interface CgroupHost {
  layout: CgroupLayout;
  /** directory under which new groups are made, per controller */
  parents: Record<Controller, string>;
}

export type CgroupProbe = { ok: true; host: CgroupHost } | { ok: false; reason: string };

function v2Controllers(mountPoint: string): string[] {
  try {
    return readFileSync(path.join(mountPoint, 'cgroup.controllers'), 'utf8').trim().split(/\s+/);
  } catch {
    return [];
  }
}

function ownDir(mount: string, ownPath: string | undefined): string {
  const dir = path.join(mount, ownPath ?? '/');
  return existsSync(dir) ? dir : mount;
}

async function enableV2Subtree(dir: string): Promise<boolean> {
  try {
    await writeFile(path.join(dir, 'cgroup.subtree_control'), '+cpu +memory');
    return true;
  } catch {
    const enabled = await readFile(path.join(dir, 'cgroup.subtree_control'), 'utf8').catch(() => '');
    return enabled.includes('cpu') && enabled.includes('memory');
  }
}

/** Finds the cgroup layout and checks that we may create groups in it. */
export async function probeCgroups(): Promise<CgroupProbe> {
  if (process.getuid?.() !== 0) return { ok: false, reason: 'not running as root' };
  const mountinfo = await readFile('/proc/self/mountinfo', 'utf8');
  const layout = layoutFromMountinfo(mountinfo, v2Controllers);
  if (!layout) return { ok: false, reason: 'no cgroup v1 cpu+memory controllers and no cgroup v2 with cpu+memory' };
  const own = parseProcCgroup(await readFile('/proc/self/cgroup', 'utf8'));
  let parents: Record<Controller, string>;
  if (layout.version === 'v1') {
    parents = {
      cpu: ownDir(layout.mounts.cpu, own.get('cpu')),
      cpuacct: ownDir(layout.mounts.cpuacct, own.get('cpuacct')),
      memory: ownDir(layout.mounts.memory, own.get('memory')),
    };
  } else {
    // v2 forbids controllers on a group that also holds processes (ours does),
    // so fall back to the root, which is exempt from that rule.
    const mine = ownDir(layout.mounts.cpu, own.get(''));
    const dir = (await enableV2Subtree(mine)) ? mine : layout.mounts.cpu;
    if (dir !== mine && !(await enableV2Subtree(dir))) return { ok: false, reason: `cannot enable cpu and memory controllers under ${dir}` };
    parents = { cpu: dir, cpuacct: dir, memory: dir };
  }
  const probe = `${CGROUP_PREFIX}probe-${process.pid}`;
  try {
    for (const dir of new Set(Object.values(parents))) {
      await mkdir(path.join(dir, probe));
      await rmdir(path.join(dir, probe));
    }
  } catch (err) {
    return { ok: false, reason: `cannot create cgroups: ${(err as Error).message}` };
  }
  return { ok: true, host: { layout, parents } };
}

export interface CgroupLimits {
  /** CPU quota in cores; undefined = unlimited */
  cpu?: number;
  /** memory limit in MiB; undefined = unlimited */
  memoryMi?: number;
}

export class Cgroup {
  private constructor(
    private readonly host: CgroupHost,
    readonly name: string,
    private readonly dirs: Record<Controller, string>,
  ) {}

  static async create(host: CgroupHost, name: string, limits: CgroupLimits): Promise<Cgroup> {
    const dirs = Object.fromEntries(CONTROLLERS.map((c) => [c, path.join(host.parents[c], name)])) as Record<Controller, string>;
    for (const dir of new Set(Object.values(dirs))) await mkdir(dir, { recursive: true });
    const group = new Cgroup(host, name, dirs);
    await group.applyLimits(limits);
    return group;
  }

  /**
   * The group another process runs in, read-only: a container's, whose engine made and limits it.
   * Paths from /proc/PID/cgroup are relative to our cgroup namespace's root, the mounts' root here.
   */
  static async ofProcess(layout: CgroupLayout, pid: number): Promise<Cgroup> {
    const own = parseProcCgroup(await readFile(`/proc/${pid}/cgroup`, 'utf8'));
    const dirOf = (c: Controller): string => {
      const rel = layout.version === 'v1' ? own.get(c) : own.get('');
      if (rel === undefined) throw new Error(`process ${pid} has no ${c} cgroup`);
      return path.join(layout.mounts[c], rel);
    };
    const dirs = Object.fromEntries(CONTROLLERS.map((c) => [c, dirOf(c)])) as Record<Controller, string>;
    return new Cgroup({ layout, parents: dirs }, `pid-${pid}`, dirs);
  }

  private async applyLimits(limits: CgroupLimits): Promise<void> {
    const { cpu, memory } = this.dirs;
    if (this.host.layout.version === 'v1') {
      if (limits.cpu !== undefined) {
        await writeFile(path.join(cpu, 'cpu.cfs_period_us'), String(CFS_PERIOD_US));
        await writeFile(path.join(cpu, 'cpu.cfs_quota_us'), String(cpuQuotaUs(limits.cpu)));
      }
      if (limits.memoryMi !== undefined) {
        const bytes = String(memoryBytes(limits.memoryMi));
        await writeFile(path.join(memory, 'memory.limit_in_bytes'), bytes);
        // Without the memsw limit a replica could spill into swap instead of being OOM-killed like a pod.
        await writeFile(path.join(memory, 'memory.memsw.limit_in_bytes'), bytes).catch(() => undefined);
      }
    } else {
      if (limits.cpu !== undefined) await writeFile(path.join(cpu, 'cpu.max'), cpuMax(limits.cpu));
      if (limits.memoryMi !== undefined) {
        await writeFile(path.join(memory, 'memory.max'), String(memoryBytes(limits.memoryMi)));
        await writeFile(path.join(memory, 'memory.swap.max'), '0').catch(() => undefined);
      }
    }
  }

  /** cgroup.procs files a child must write its pid into before it execs. */
  procsFiles(): string[] {
    return [...new Set(Object.values(this.dirs))].map((d) => path.join(d, 'cgroup.procs'));
  }

  async counters(): Promise<CgroupCounters> {
    const read = (c: Controller, f: string) => readFile(path.join(this.dirs[c], f), 'utf8');
    if (this.host.layout.version === 'v1') {
      return countersV1({
        cpuStat: await read('cpu', 'cpu.stat'),
        cpuacctUsage: await read('cpuacct', 'cpuacct.usage'),
        maxUsage: await read('memory', 'memory.max_usage_in_bytes'),
        oomControl: await read('memory', 'memory.oom_control'),
      });
    }
    return countersV2({
      cpuStat: await read('cpu', 'cpu.stat'),
      memoryPeak: await read('memory', 'memory.peak').catch(() => null),
      memoryEvents: await read('memory', 'memory.events'),
    });
  }

  /** Kills whatever is left inside, then removes the group from every hierarchy. */
  async remove(): Promise<void> {
    for (const dir of new Set(Object.values(this.dirs))) await removeGroupDir(dir);
  }
}

async function groupPids(dir: string): Promise<number[]> {
  const text = await readFile(path.join(dir, 'cgroup.procs'), 'utf8').catch(() => '');
  return text.split('\n').filter(Boolean).map(Number);
}

/** SIGKILLs the group's processes, waits for them to leave, then rmdirs it. */
export async function removeGroupDir(dir: string): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const pids = await groupPids(dir);
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    try {
      await rmdir(dir);
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      if (code !== 'EBUSY') throw err;
    }
    await sleep(100);
  }
  throw new Error(`cgroup ${dir} still busy after killing its processes`);
}

/** Every group directory named with `prefix`, in any hierarchy, up to `depth` levels deep. */
export async function findGroupDirs(prefix: string, depth = 4): Promise<string[]> {
  const mountinfo = await readFile('/proc/self/mountinfo', 'utf8').catch(() => '');
  const layout = layoutFromMountinfo(mountinfo, v2Controllers);
  if (!layout) return [];
  const found: string[] = [];
  const walk = async (dir: string, left: number): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      if (!e.isDirectory()) continue;
      const child = path.join(dir, e.name);
      if (e.name.startsWith(prefix)) found.push(child);
      else if (left > 0) await walk(child, left - 1);
    }
  };
  for (const mount of new Set(Object.values(layout.mounts))) {
    if (await access(mount).then(() => true, () => false)) await walk(mount, depth);
  }
  return found;
}
