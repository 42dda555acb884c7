/**
 * How busy this machine's CPUs were over an interval, from every process:
 * the evidence that replicas on a local backend waited for CPU that others
 * took (their own limits aside). Read from os.cpus() (the kernel's
 * /proc/stat), so it costs nothing during the load.
 */
import os from 'node:os';

export interface CpuSample {
  at: number;
  busyMs: number;
  cores: number;
}

export function sampleCpu(): CpuSample {
  const cpus = os.cpus();
  const busyMs = cpus.reduce((s, c) => s + c.times.user + c.times.nice + c.times.sys + c.times.irq, 0);
  return { at: performance.now(), busyMs, cores: cpus.length };
}

/** Cores busy on average between two samples (0 … cores), and the 1-minute load average at the end. */
export function hostUse(before: CpuSample, after: CpuSample): { busyCores: number; cores: number; loadAvg1: number } {
  const wallMs = after.at - before.at;
  return { busyCores: wallMs > 0 ? Math.min(after.cores, Math.max(0, (after.busyMs - before.busyMs) / wallMs)) : 0, cores: after.cores, loadAvg1: os.loadavg()[0]! };
}
