/**
 * What one replica of the local cluster runs as: a process in a cgroup this
 * backend makes and limits (`local`), or a container that an engine makes
 * and limits (`podman`). The ReplicaSet supervises, probes, scales and
 * counts either kind the same way; only starting, counting and removing differ.
 */
import { Cgroup, type CgroupHost } from '../../../lib/cgroup/group.js';
import type { CgroupCounters } from '../../../lib/cgroup/parse.js';
import type { DeploymentSpec } from '../../contracts/deployment.js';
import { REPLICA_RUNTIME_ENV, replicaModelEnv } from '../model-env.js';
import type { Replica } from './replica.js';

/** How to start one replica; the Replica adds PORT and POD_NAME to the command's environment. */
export interface ReplicaLaunch {
  command: string[];
  env: Record<string, string>;
  /** the group the command is started in; null when something else limits it */
  cgroup: Cgroup | null;
  /** the command reports its child's death by signal N as exit code 128+N, as a container engine's client does */
  signalExitCodes: boolean;
  /** HTTP path that answers 200 once the replica is ready */
  readyPath: string;
}

export interface ReplicaRuntime {
  /** how the run's manifest describes what runs a replica */
  readonly describe: Record<string, unknown>;
  /** whether each replica's CPU and memory limits are applied */
  readonly limitsEnforced: boolean;
  launch(input: { name: string; port: number; shape: DeploymentSpec }): Promise<ReplicaLaunch>;
  /** the replica's counters since it was created, or null when none can be read (no limits, not running) */
  counters(replica: Replica): Promise<CgroupCounters | null>;
  /** after the replica stopped: whatever holds it on this machine is removed */
  remove(replica: Replica): Promise<void>;
}

/** `local`: the replica command as a process of this machine, in its own cgroup when limits can be applied. */
export function processRuntime(cgroups: CgroupHost | null, command: string[], extraEnv: Record<string, string>): ReplicaRuntime {
  return {
    describe: { kind: 'process', command },
    limitsEnforced: cgroups !== null,
    async launch({ name, shape }) {
      const cgroup = cgroups ? await Cgroup.create(cgroups, `clouddetect-${name}`, { cpu: shape.cpu, memoryMi: shape.memoryMi }) : null;
      return { command, env: { ...REPLICA_RUNTIME_ENV, ...extraEnv, ...replicaModelEnv(shape) }, cgroup, signalExitCodes: false, readyPath: '/readyz' };
    },
    async counters(replica) {
      return replica.spec.cgroup ? replica.spec.cgroup.counters() : null;
    },
    async remove(replica) {
      await replica.spec.cgroup?.remove();
    },
  };
}
