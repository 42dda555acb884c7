/**
 * What the experiment needs from a place that runs replicas. `local` (embedded
 * cluster of cgroup-limited processes) and `kubernetes` implement it; the
 * trial code never knows which one it drives.
 */
import type { Location, ReplicaStats } from '../record/schema.js';
import type { LoadJob, LoadJobResult } from '../load/types.js';

export interface LocationEndpoint {
  location: Location;
  /** base URL the load generator at this location uses, e.g. http://10.77.0.1:30080 */
  url: string;
  /** human description of the path, recorded with every trial ("loopback", "netns + WAN proxy 40 ms RTT", "NodePort from this machine") */
  description: string;
  /** configured bandwidth limit of the path, Mbit/s; null when none */
  bandwidthMbit: number | null;
  /** what the backend measured on this path from the client location (bandwidth null = not measured) */
  measured?: { rttMs: number; bandwidthMbit: number | null };
}

/** Runs the shared load worker (experiments/load) at one client location. */
export interface LoadExecutor {
  run(job: LoadJob, signal?: AbortSignal): Promise<LoadJobResult>;
}

export interface ReplicaLog {
  replica: string;
  /** the last lines of the replica's log */
  lines: string[];
}

export interface Backend {
  readonly name: string;
  /** false when CPU/memory limits could not be applied (e.g. not root); every output says so */
  readonly limitsEnforced: boolean;
  /** start `replicas` replicas and wait until all are ready */
  up(replicas: number, signal?: AbortSignal): Promise<void>;
  /** change the replica count, reusing running replicas, and wait until ready */
  scale(replicas: number, signal?: AbortSignal): Promise<void>;
  endpoint(location: Location): Promise<LocationEndpoint>;
  executor(location: Location): Promise<LoadExecutor>;
  replicaStats(): Promise<ReplicaStats[]>;
  logs(): Promise<ReplicaLog[]>;
  /** remove everything this backend started; safe to call twice */
  down(): Promise<void>;
  /** optional (--keep): leave everything running after this process exits; purge removes it later */
  detach?(): Promise<void>;
}

export type BackendFactory<O> = (options: O) => Promise<Backend>;

export interface WanProfile {
  /** added round-trip delay, ms */
  rttMs: number;
  /** ± uniform jitter on each direction's delay, ms */
  jitterMs: number;
  /** bandwidth limit per direction, Mbit/s */
  bandwidthMbit: number;
}

export interface BackendOptions {
  /** labels every process, cgroup, namespace or cluster object this run creates */
  runId: string;
  task: 'detection' | 'pose';
  /** CPU limit per replica, cores (0.5 in the assignment) */
  replicaCpu: number;
  /** memory limit per replica, MiB (512 in the assignment) */
  replicaMemoryMi: number;
  /** model file the replicas serve (task pose: the keypoint model) */
  modelPath: string;
  /** task pose: the person detector of the top-down pipeline; unset = the service's installed default */
  poseDetectorPath?: string;
  /** per-replica logs and backend state go here (inside the run directory) */
  stateDir: string;
  balancer: 'round-robin' | 'random' | 'least-connections';
  wan: WanProfile;
  /** structured log sink (JSON lines file) */
  log: (event: string, fields?: Record<string, unknown>) => void;
}

/** Each backend module (experiments/deploy/<name>/index.ts) exports these two. */
export interface BackendModule {
  createBackend(options: BackendOptions): Promise<Backend>;
  /** remove anything a crashed run left behind; returns what it removed */
  purge(log: BackendOptions['log']): Promise<string[]>;
}
