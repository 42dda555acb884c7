/**
 * The host's CPU time, busy and total, from /proc/stat: whether the machine
 * itself (replicas, generator and anything else on it) was short of CPU
 * while a level ran. Linux only; null where /proc/stat cannot be read.
 */
import { readFile } from 'node:fs/promises';

export interface HostCpu {
  /** jiffies spent not idle, summed over all cores */
  busy: number;
  total: number;
}

/** The aggregate "cpu" line: user nice system idle iowait irq softirq steal … */
export function parseProcStat(text: string): HostCpu | null {
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) return null;
  const fields = line.trim().split(/\s+/).slice(1, 9).map(Number);
  if (fields.length < 4 || fields.some((n) => !Number.isFinite(n))) return null;
  const total = fields.reduce((a, b) => a + b, 0);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return { busy: total - idle, total };
}

export async function readHostCpu(): Promise<HostCpu | null> {
  return parseProcStat(await readFile('/proc/stat', 'utf8').catch(() => ''));
}

/** Share of the host's CPU that was busy between two reads. */
export function busyShare(before: HostCpu, after: HostCpu): number {
  const total = after.total - before.total;
  return total > 0 ? Math.min(1, Math.max(0, (after.busy - before.busy) / total)) : 0;
}
