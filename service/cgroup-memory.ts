/**
 * The memory limit the kernel will OOM-kill this process at, from cgroup v2
 * memory.max or v1 memory.limit_in_bytes along the process's own cgroup
 * path. The service refuses new work (503) above a high-water mark below it.
 */
import { posix } from 'node:path';
import { ancestors, fileReader, parseProcCgroup, type CgroupReader } from './cgroup-cpu.js';

/** v1 reports "no limit" as a huge page-aligned number rather than "max". */
const UNLIMITED_V1 = 2 ** 60;

export function parseMemoryLimit(text: string): number | null {
  const t = text.trim();
  if (t === '' || t === 'max') return null;
  const n = Number(t);
  return Number.isFinite(n) && n > 0 && n < UNLIMITED_V1 ? n : null;
}

/** Bytes, or null when unlimited. */
export async function readMemoryLimit(read: CgroupReader = fileReader()): Promise<number | null> {
  const procText = (await read('proc/self/cgroup')) ?? '';
  const membership = parseProcCgroup(procText, 'memory');
  let limit: number | null = null;
  const consider = (text: string | undefined): void => {
    const l = text === undefined ? null : parseMemoryLimit(text);
    if (l !== null && (limit === null || l < limit)) limit = l;
  };
  if (membership.v2Path !== undefined) {
    for (const p of ancestors(membership.v2Path)) consider(await read(posix.join('sys/fs/cgroup', p, 'memory.max')));
  }
  if (membership.v1Path !== undefined) {
    for (const p of ancestors(membership.v1Path)) consider(await read(posix.join('sys/fs/cgroup/memory', p, 'memory.limit_in_bytes')));
  }
  return limit;
}
