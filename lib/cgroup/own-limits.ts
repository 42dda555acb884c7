/**
 * How much CPU and memory this process may really use, from its own cgroup
 * path (v1 or v2) and every ancestor's limit.
 *
 * os.availableParallelism() sees the host's cores (or the affinity mask) but
 * not a container's CFS quota, so a pod limited to 0.5 CPU on a 16-core node
 * would otherwise start 16 inference threads that spend their time
 * throttled. The memory limit is where the kernel OOM-kills: the service
 * refuses new work above a high-water mark below it.
 */
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join, posix } from 'node:path';
import { ancestors, parseCfs, parseCpuMax, parseMemoryLimit, parseProcCgroup } from './parse.js';

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

/** Reads a file relative to the filesystem root, or undefined if absent. */
export type CgroupReader = (relPath: string) => Promise<string | undefined>;

export function fileReader(root = '/'): CgroupReader {
  return (rel) => readFile(join(root, rel), 'utf8').then((s) => s, () => undefined);
}

function minLimit(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.min(a, b);
}

async function membership(read: CgroupReader): Promise<Map<string, string>> {
  return parseProcCgroup((await read('proc/self/cgroup')) ?? '');
}

async function quotaAlong(read: CgroupReader, paths: Map<string, string>): Promise<{ cores: number | null; source: string }> {
  let cores: number | null = null;
  let source = 'none';
  const v2 = paths.get('');
  if (v2 !== undefined) {
    for (const p of ancestors(v2)) {
      const text = await read(posix.join('sys/fs/cgroup', p, 'cpu.max'));
      const c = text === undefined ? null : parseCpuMax(text);
      if (c !== null && (cores === null || c < cores)) source = `cgroup v2 ${posix.join(p, 'cpu.max')}`;
      cores = minLimit(cores, c);
    }
  }
  const v1 = paths.get('cpu');
  if (v1 !== undefined) {
    for (const p of ancestors(v1)) {
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
  const { cores, source } = await quotaAlong(read, await membership(read));
  return { quotaCores: cores, parallelism, threads: threadsFor(cores, parallelism), source };
}

/** Bytes, or null when unlimited. */
export async function readMemoryLimit(read: CgroupReader = fileReader()): Promise<number | null> {
  const paths = await membership(read);
  let limit: number | null = null;
  const consider = (text: string | undefined): void => {
    const l = text === undefined ? null : parseMemoryLimit(text);
    if (l !== null && (limit === null || l < limit)) limit = l;
  };
  const v2 = paths.get('');
  if (v2 !== undefined) for (const p of ancestors(v2)) consider(await read(posix.join('sys/fs/cgroup', p, 'memory.max')));
  const v1 = paths.get('memory');
  if (v1 !== undefined) for (const p of ancestors(v1)) consider(await read(posix.join('sys/fs/cgroup/memory', p, 'memory.limit_in_bytes')));
  return limit;
}
