/**
 * Pure parsing of the kernel's cgroup text files (v1 and v2), so the
 * effectful sides (group.ts makes groups, own-limits.ts reads this
 * process's limits) only read and write, and these rules are unit-tested.
 */
import { posix } from 'node:path';

export type CgroupVersion = 'v1' | 'v2';

/** Where each controller we use is mounted, and which version drives it. */
export interface CgroupLayout {
  version: CgroupVersion;
  /** v1: one directory per controller; v2: the single unified mount for all three */
  mounts: { cpu: string; cpuacct: string; memory: string };
}

interface MountLine {
  root: string;
  mountPoint: string;
  fsType: string;
  superOptions: string[];
}

function parseMountinfo(text: string): MountLine[] {
  const lines: MountLine[] = [];
  for (const line of text.split('\n')) {
    // fields: id parent major:minor root mountpoint options [optional...] - fstype source superoptions
    const [left, right] = line.split(' - ');
    if (!left || !right) continue;
    const l = left.split(' ');
    const r = right.split(' ');
    if (l.length < 5 || r.length < 3) continue;
    lines.push({ root: l[3]!, mountPoint: l[4]!, fsType: r[0]!, superOptions: r[2]!.split(',') });
  }
  return lines;
}

/**
 * v1 wins when cpu and memory are mounted as v1 controllers (hybrid hosts keep
 * an empty unified tree beside them); v2 when the unified mount offers both.
 */
export function layoutFromMountinfo(mountinfo: string, v2Controllers: (mountPoint: string) => string[]): CgroupLayout | null {
  const mounts = parseMountinfo(mountinfo);
  const v1 = (controller: string): string | undefined =>
    mounts.find((m) => m.fsType === 'cgroup' && m.superOptions.includes(controller))?.mountPoint;
  const cpu = v1('cpu');
  const memory = v1('memory');
  if (cpu && memory) return { version: 'v1', mounts: { cpu, cpuacct: v1('cpuacct') ?? cpu, memory } };
  const unified = mounts.find((m) => m.fsType === 'cgroup2');
  if (!unified) return null;
  const available = v2Controllers(unified.mountPoint);
  if (!available.includes('cpu') || !available.includes('memory')) return null;
  const p = unified.mountPoint;
  return { version: 'v2', mounts: { cpu: p, cpuacct: p, memory: p } };
}

/** /proc/self/cgroup → the process's path per v1 controller, and its v2 path under key "". */
export function parseProcCgroup(text: string): Map<string, string> {
  const paths = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^\d+:([^:]*):(.*)$/.exec(line.trim());
    if (!m) continue;
    const controllers = m[1]!;
    const path = m[2]!;
    if (controllers === '') paths.set('', path);
    for (const c of controllers.split(',')) if (c) paths.set(c, path);
  }
  return paths;
}

/** "key value" lines (cpu.stat, memory.oom_control, memory.events) → numbers. */
export function parseKeyed(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const [key, value] = line.trim().split(/\s+/);
    if (key && value !== undefined && /^-?\d+$/.test(value)) out[key] = Number(value);
  }
  return out;
}

/** CFS period 100 ms like the kubelet, quota = cores × period. */
export const CFS_PERIOD_US = 100_000;

export function cpuQuotaUs(cores: number): number {
  return Math.max(1000, Math.round(cores * CFS_PERIOD_US));
}

/** v2 cpu.max contents for a core count. */
export function cpuMax(cores: number): string {
  return `${cpuQuotaUs(cores)} ${CFS_PERIOD_US}`;
}

export function memoryBytes(mi: number): number {
  return Math.round(mi * 1024 * 1024);
}

/** Counters read from one cgroup, in the units ReplicaStats wants. */
export interface CgroupCounters {
  cpuSeconds: number;
  cpuThrottledSeconds: number;
  /** CFS periods the group ran in, and those in which it hit its quota */
  cpuPeriods: number;
  cpuThrottledPeriods: number;
  memoryPeakBytes: number | undefined;
  oomKills: number;
}

export function countersV1(files: { cpuStat: string; cpuacctUsage: string; maxUsage: string; oomControl: string }): CgroupCounters {
  const cpu = parseKeyed(files.cpuStat);
  const oom = parseKeyed(files.oomControl);
  const peak = Number(files.maxUsage.trim());
  return {
    cpuSeconds: Number(files.cpuacctUsage.trim() || 0) / 1e9,
    cpuThrottledSeconds: (cpu.throttled_time ?? 0) / 1e9,
    cpuPeriods: cpu.nr_periods ?? 0,
    cpuThrottledPeriods: cpu.nr_throttled ?? 0,
    memoryPeakBytes: Number.isFinite(peak) ? peak : undefined,
    oomKills: oom.oom_kill ?? 0,
  };
}

/** v2 "cpu.max": "max 100000" or "50000 100000" → cores, null = unlimited. */
export function parseCpuMax(text: string): number | null {
  const [quota, period] = text.trim().split(/\s+/);
  if (quota === undefined || quota === 'max' || period === undefined) return null;
  const q = Number(quota);
  const p = Number(period);
  return q > 0 && p > 0 ? q / p : null;
}

/** v1 quota and period files → cores; a quota of -1 means unlimited (null). */
export function parseCfs(quotaText: string, periodText: string): number | null {
  const q = Number(quotaText.trim());
  const p = Number(periodText.trim());
  return q > 0 && p > 0 ? q / p : null;
}

/** v1 reports "no limit" as a huge page-aligned number rather than "max". */
const UNLIMITED_V1 = 2 ** 60;

/** memory.max or memory.limit_in_bytes → bytes, null = unlimited. */
export function parseMemoryLimit(text: string): number | null {
  const t = text.trim();
  if (t === '' || t === 'max') return null;
  const n = Number(t);
  return Number.isFinite(n) && n > 0 && n < UNLIMITED_V1 ? n : null;
}

/** The path and all its ancestors, deepest first: a parent's limit binds its children too. */
export function ancestors(path: string): string[] {
  const out: string[] = [];
  for (let p = posix.normalize(path); ; p = posix.dirname(p)) {
    out.push(p);
    if (p === '/' || p === '.') return out;
  }
}

export function countersV2(files: { cpuStat: string; memoryPeak: string | null; memoryEvents: string }): CgroupCounters {
  const cpu = parseKeyed(files.cpuStat);
  const events = parseKeyed(files.memoryEvents);
  const peak = files.memoryPeak === null ? NaN : Number(files.memoryPeak.trim());
  return {
    cpuSeconds: (cpu.usage_usec ?? 0) / 1e6,
    cpuThrottledSeconds: (cpu.throttled_usec ?? 0) / 1e6,
    cpuPeriods: cpu.nr_periods ?? 0,
    cpuThrottledPeriods: cpu.nr_throttled ?? 0,
    memoryPeakBytes: Number.isFinite(peak) ? peak : undefined,
    oomKills: events.oom_kill ?? 0,
  };
}
