/**
 * A pod-like box for benchmark processes: a CPU quota and a 512 MiB memory
 * limit in a fresh cgroup (lib/cgroup: v1 hierarchies or v2), joined before
 * exec. Without root (or cgroups) the box says "NOT enforced" and the
 * process runs unconfined, so the numbers are still printed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { Cgroup, probeCgroups } from '../../lib/cgroup/group.js';
import { inCgroupCommand } from '../../lib/cgroup/join.js';
import { REPO_ROOT } from '../../lib/repo-root.js';

export interface CpuBox {
  label: string;
  cores: number;
  /** null when limits are not enforced */
  cgroup: Cgroup | null;
  enforced: boolean;
  /** bytes the cgroup peaked at, when a memory limit is in force */
  memoryPeak(): Promise<number | undefined>;
  /** OOM kills in the cgroup, when known */
  oomKills(): Promise<number | undefined>;
  /** CPU seconds used by everything that ran in the cgroup, when known */
  cpuSeconds(): Promise<number | undefined>;
  remove(): Promise<void>;
}

export const MEMORY_MI = 512;

/** `tag` keeps the cgroup names of different benchmarks apart. */
export async function cpuBox(cores: number, tag = 'bench', memoryMi = MEMORY_MI): Promise<CpuBox> {
  const label = `${cores} CPU`;
  const probe = await probeCgroups();
  if (probe.ok) {
    try {
      const cgroup = await Cgroup.create(probe.host, `clouddetect-${tag}-${process.pid}-${Math.round(cores * 100)}`, { cpu: cores, memoryMi });
      return {
        label: `${label}, ${memoryMi} Mi`,
        cores,
        cgroup,
        enforced: true,
        memoryPeak: async () => (await cgroup.counters()).memoryPeakBytes,
        oomKills: async () => (await cgroup.counters()).oomKills,
        cpuSeconds: async () => (await cgroup.counters()).cpuSeconds,
        remove: () => cgroup.remove(),
      };
    } catch (err) {
      console.warn(`bench: cannot create a cgroup (${(err as Error).message.split('\n')[0]}); running ${label} unconfined`);
    }
  } else console.warn(`bench: no cgroups (${probe.reason}); running ${label} unconfined`);
  const unknown = async (): Promise<undefined> => undefined;
  return { label: `${label} (NOT enforced)`, cores, cgroup: null, enforced: false, memoryPeak: unknown, oomKills: unknown, cpuSeconds: unknown, remove: async () => {} };
}

/** `node --import tsx <args>` inside the box, from the repository root; stdout piped, stderr inherited. */
export function spawnIn(box: CpuBox, args: string[], env: Record<string, string>): ChildProcess {
  const [cmd, ...rest] = inCgroupCommand(box.cgroup, [process.execPath, '--import', 'tsx', ...args]);
  return spawn(cmd!, rest, { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
}
