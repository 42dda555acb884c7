/**
 * How much CPU this process may really use. os.availableParallelism() sees
 * the host's cores (or the affinity mask) but not a container's CFS quota,
 * so a pod limited to 0.5 CPU on a 16-core node would otherwise start 16
 * inference threads that spend their time throttled.
 */
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join, posix } from 'node:path';

export interface CpuLimit {
  /** cores the quota allows (fractional), or null when unlimited */
  quotaCores: number | null;
  /** cores the scheduler may place us on (affinity) */
  parallelism: number;
  /** threads worth starting: at least 1, never more than the quota or the cores */
  threads: number;
  /** where the quota came from, for the start-up log */
  source: string;
}

/** Reads a file relative to the cgroup mount root, or undefined if absent. */
export type CgroupReader = (relPath: string) => Promise<string | undefined>;

export function fileReader(root = '/'): CgroupReader {
  return (rel) => readFile(join(root, rel), 'utf8').then((s) => s, () => undefined);
}

export interface Membership {
  v2Path?: string;
  /** path in the v1 hierarchy of `controller` */
  v1Path?: string;
}

/** Parses /proc/self/cgroup: "0::/path" for v2, "N:cpu,cpuacct:/path" for v1 (or another v1 controller). */
export function parseProcCgroup(text: string, controller = 'cpu'): Membership {
  const out: Membership = {};
  for (const line of text.split('\n')) {
    const [hid, controllers, path] = splitOnce(line);
    if (path === undefined) continue;
    if (hid === '0' && controllers === '') out.v2Path = path;
    else if (controllers.split(',').includes(controller)) out.v1Path = path;
  }
  return out;
}

function splitOnce(line: string): [string, string, string | undefined] {
  const a = line.indexOf(':');
  const b = line.indexOf(':', a + 1);
  if (a < 0 || b < 0) return ['', '', undefined];
  return [line.slice(0, a), line.slice(a + 1, b), line.slice(b + 1)];
}

/** v2 "cpu.max": "max 100000" or "50000 100000". */
export function parseCpuMax(text: string): number | null {
  const [quota, period] = text.trim().split(/\s+/);
  if (quota === undefined || quota === 'max' || period === undefined) return null;
  const q = Number(quota);
  const p = Number(period);
  return q > 0 && p > 0 ? q / p : null;
}

/** v1 quota and period files; a quota of -1 means unlimited. */
export function parseCfs(quotaText: string, periodText: string): number | null {
  const q = Number(quotaText.trim());
  const p = Number(periodText.trim());
  return q > 0 && p > 0 ? q / p : null;
}

/** The path and all its ancestors, deepest first: a parent's limit binds its children too. */
export function ancestors(path: string): string[] {
  const out: string[] = [];
  for (let p = posix.normalize(path); ; p = posix.dirname(p)) {
    out.push(p);
    if (p === '/' || p === '.') return out;
  }
}

function minLimit(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.min(a, b);
}

async function quotaAlong(read: CgroupReader, membership: Membership): Promise<{ cores: number | null; source: string }> {
  let cores: number | null = null;
  let source = 'none';
  if (membership.v2Path !== undefined) {
    for (const p of ancestors(membership.v2Path)) {
      const text = await read(posix.join('sys/fs/cgroup', p, 'cpu.max'));
      const c = text === undefined ? null : parseCpuMax(text);
      if (c !== null && (cores === null || c < cores)) source = `cgroup v2 ${posix.join(p, 'cpu.max')}`;
      cores = minLimit(cores, c);
    }
  }
  if (membership.v1Path !== undefined) {
    for (const p of ancestors(membership.v1Path)) {
      for (const mount of ['sys/fs/cgroup/cpu', 'sys/fs/cgroup/cpu,cpuacct']) {
        const quota = await read(posix.join(mount, p, 'cpu.cfs_quota_us'));
        const period = await read(posix.join(mount, p, 'cpu.cfs_period_us'));
        if (quota === undefined || period === undefined) continue;
        const c = parseCfs(quota, period);
        if (c !== null && (cores === null || c < cores)) source = `cgroup v1 ${posix.join('/', mount, p)}`;
        cores = minLimit(cores, c);
        break;
      }
    }
  }
  return { cores, source };
}

export function threadsFor(quotaCores: number | null, parallelism: number): number {
  const cap = quotaCores === null ? parallelism : Math.min(parallelism, quotaCores);
  return Math.max(1, Math.floor(cap));
}

export async function readCpuLimit(read: CgroupReader = fileReader(), parallelism = availableParallelism()): Promise<CpuLimit> {
  const procText = (await read('proc/self/cgroup')) ?? '';
  const { cores, source } = await quotaAlong(read, parseProcCgroup(procText));
  return { quotaCores: cores, parallelism, threads: threadsFor(cores, parallelism), source };
}
