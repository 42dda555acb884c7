/**
 * Host capacity: replicas × CPU each + the load generator's CPU against the
 * cores there are. A cell over capacity measures CPU contention, not the
 * service's scaling, so it is marked everywhere; --fit-host scales the
 * per-replica CPU down until the largest cell fits.
 */
import { PlanError } from './plan-error.js';

/** Backends whose replicas, balancer and load generator all share this machine's cores (the capacity model's shared bound). */
export function sharesThisHost(backend: string): boolean {
  return backend === 'local' || backend === 'podman';
}

export interface CapacityInput {
  replicas: readonly number[];
  replicaCpu: number;
  loadGenCpu: number;
  hostCores: number;
}

export interface CellCapacity {
  replicas: number;
  /** cores the cell asks for: replicas × replicaCpu + loadGenCpu */
  demand: number;
  bound: boolean;
}

export function checkCapacity(input: CapacityInput): CellCapacity[] {
  return input.replicas.map((replicas) => {
    const demand = replicas * input.replicaCpu + input.loadGenCpu;
    // A hair of tolerance so 4 × 0.25 + 1 on 2 cores is not flagged by float error.
    return { replicas, demand, bound: demand > input.hostCores + 1e-9 };
  });
}

/** The per-replica CPU at which the largest cell fits the host, never above the requested one; null when nothing fits. */
export function fitReplicaCpu(input: CapacityInput): number | null {
  const spare = input.hostCores - input.loadGenCpu;
  const largest = Math.max(...input.replicas);
  if (spare <= 0) return null;
  // Round down to millicores, the unit cgroups and Kubernetes take.
  return Math.min(input.replicaCpu, Math.floor((spare / largest) * 1000) / 1000);
}

export function capacityWarning(cells: readonly CellCapacity[], hostCores: number): string | null {
  const over = cells.filter((c) => c.bound);
  if (over.length === 0) return null;
  const list = over.map((c) => `${c.replicas} replicas need ${c.demand.toFixed(2)}`).join(', ');
  return `CAPACITY: ${list} cores but the host has ${hostCores}; these cells measure CPU contention, not scaling (marked capacityBound; --fit-host scales the per-replica CPU down to fit)`;
}

export interface CpuPlan {
  /** per-replica CPU the cells use */
  replicaCpu: number;
  fittedToHost: boolean;
  capacity: CellCapacity[];
  warnings: string[];
}

/**
 * The per-replica CPU of a study's cells: as asked, or (--fit-host) scaled
 * down so the largest replica count fits the host with the generator; every
 * cell's capacity checked and warned about. Throws when nothing fits.
 */
export function planCpu(input: CapacityInput, fitHost: boolean): CpuPlan {
  const warnings: string[] = [];
  let { replicaCpu } = input;
  let fittedToHost = false;
  if (fitHost) {
    const fitted = fitReplicaCpu(input);
    if (fitted === null || fitted <= 0) {
      throw new PlanError(`--fit-host: the load generator's ${input.loadGenCpu} cores leave nothing of ${input.hostCores} for replicas`);
    }
    if (fitted < replicaCpu) {
      warnings.push(`--fit-host: per-replica CPU scaled from ${replicaCpu} to ${fitted} cores so ${Math.max(...input.replicas)} replicas fit ${input.hostCores} cores`);
      replicaCpu = fitted;
      fittedToHost = true;
    }
  }
  const capacity = checkCapacity({ ...input, replicaCpu });
  const warning = capacityWarning(capacity, input.hostCores);
  if (warning) warnings.push(warning);
  return { replicaCpu, fittedToHost, capacity, warnings };
}
