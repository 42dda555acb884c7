/**
 * A pod-like box for benchmark processes: a CPU quota and a 512 MiB memory
 * limit in a fresh cgroup (v1 hierarchies or v2), entered by a shell prefix
 * before exec. Without root (or cgroups) the box says "NOT enforced" and
 * the process runs unconfined, so the numbers are still printed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(fileURLToPath(import.meta.url), '../../..');

export interface CpuBox {
  label: string;
  cores: number;
  /** shell prefix that moves the shell into the cgroup(s) before exec */
  enter: string;
  enforced: boolean;
  /** bytes the cgroup peaked at, when a memory limit is in force */
  memoryPeak(): number | undefined;
  /** OOM kills in the cgroup, when known */
  oomKills(): number | undefined;
  remove(): void;
}

export const MEMORY_MI = 512;

/** `tag` keeps the cgroup names of different benchmarks apart. */
export function cpuBox(cores: number, tag = 'bench'): CpuBox {
  const name = `clouddetect-${tag}-${process.pid}-${cores * 100}`;
  const period = 100_000;
  const quota = Math.round(cores * period);
  const limitBytes = MEMORY_MI * 1024 * 1024;
  const label = `${cores} CPU`;
  const made: string[] = [];
  const mk = (dir: string): string => {
    mkdirSync(dir);
    made.push(dir);
    return dir;
  };
  const remove = (): void => {
    for (const dir of made.reverse()) rmdirSync(dir);
  };
  try {
    if (existsSync('/sys/fs/cgroup/cpu/cpu.cfs_quota_us')) {
      const cpu = mk(join('/sys/fs/cgroup/cpu', name));
      writeFileSync(join(cpu, 'cpu.cfs_period_us'), String(period));
      writeFileSync(join(cpu, 'cpu.cfs_quota_us'), String(quota));
      const mem = existsSync('/sys/fs/cgroup/memory/memory.limit_in_bytes') ? mk(join('/sys/fs/cgroup/memory', name)) : undefined;
      if (mem) writeFileSync(join(mem, 'memory.limit_in_bytes'), String(limitBytes));
      const read = (file: string): string | undefined => (mem ? readFileSync(join(mem, file), 'utf8') : undefined);
      return {
        label: mem ? `${label}, ${MEMORY_MI} Mi` : label,
        cores,
        enter: `echo $$ > ${cpu}/cgroup.procs && ${mem ? `echo $$ > ${mem}/cgroup.procs && ` : ''}`,
        enforced: true,
        memoryPeak: () => (mem ? Number(read('memory.max_usage_in_bytes')) : undefined),
        oomKills: () => (mem ? Number(/oom_kill (\d+)/.exec(read('memory.oom_control') ?? '')?.[1] ?? 0) : undefined),
        remove,
      };
    }
    if (existsSync('/sys/fs/cgroup/cgroup.controllers')) {
      const dir = mk(join('/sys/fs/cgroup', name));
      writeFileSync(join(dir, 'cpu.max'), `${quota} ${period}`);
      const hasMem = existsSync(join(dir, 'memory.max'));
      if (hasMem) writeFileSync(join(dir, 'memory.max'), String(limitBytes));
      const read = (file: string): string => readFileSync(join(dir, file), 'utf8');
      return {
        label: hasMem ? `${label}, ${MEMORY_MI} Mi` : label,
        cores,
        enter: `echo $$ > ${dir}/cgroup.procs && `,
        enforced: true,
        memoryPeak: () => (existsSync(join(dir, 'memory.peak')) ? Number(read('memory.peak')) : undefined),
        oomKills: () => (hasMem ? Number(/oom_kill (\d+)/.exec(read('memory.events'))?.[1] ?? 0) : undefined),
        remove,
      };
    }
  } catch (err) {
    remove();
    console.warn(`bench: cannot create a cgroup (${(err as Error).message.split('\n')[0]}); running ${label} unconfined`);
  }
  return { label: `${label} (NOT enforced)`, cores, enter: '', enforced: false, memoryPeak: () => undefined, oomKills: () => undefined, remove: () => {} };
}

/** `node --import tsx <args>` inside the box, from the repository root; stdout piped, stderr inherited. */
export function spawnIn(box: CpuBox, args: string[], env: Record<string, string>): ChildProcess {
  const cmd = [process.execPath, '--import', 'tsx', ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return spawn('sh', ['-c', `${box.enter}exec ${cmd}`], { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
}
