/**
 * What the study engine needs from a place that runs replicas. Each backend
 * (local, kubernetes, fake) is a BackendModule in the static registry; the
 * engine never knows which one it drives.
 *
 * A backend is configured once from the CLI flags and the study config (its
 * own options, typed and validated inside the module), then told per cell
 * which DeploymentSpec to run.
 */
import type { HostCpu } from '../../lib/host-cpu.js';
import type { LogFn } from '../../lib/log.js';
import type { Location, ReplicaStats } from '../contracts/domain.js';
import type { DeploymentSpec } from '../contracts/deployment.js';
import type { LoadJob, ResultOf } from '../load/protocol/schema.js';
import type { StudyConfig } from '../plan/config.js';

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
  /** the result is checked to be of the job's kind */
  run<J extends LoadJob>(job: J, signal?: AbortSignal): Promise<ResultOf<J>>;
}

export interface ReplicaLog {
  replica: string;
  /** the last lines of the replica's log */
  lines: string[];
}

/**
 * A deployment that did not become ready within its timeout, or whose replicas
 * kept dying before they did. The backend has removed those replicas already;
 * `replicaStats` is what they showed just before (restarts, OOM kills, peak memory).
 */
export class DeployFailed extends Error {
  override name = 'DeployFailed';
  constructor(message: string, readonly replicaStats: ReplicaStats[]) {
    super(message);
  }
}

export interface Backend {
  readonly name: string;
  /** false when CPU/memory limits could not be applied (e.g. not root); every output says so */
  readonly limitsEnforced: boolean;
  /**
   * Make the replicas match `spec` and wait until all are ready. A new count
   * reuses the running replicas; new resources, model or task replace them;
   * a new balancer policy applies from the next request. Replicas that do not
   * become ready reject with DeployFailed, after the backend removed them.
   */
  deploy(spec: DeploymentSpec, signal?: AbortSignal): Promise<void>;
  endpoint(location: Location): Promise<LocationEndpoint>;
  executor(location: Location): Promise<LoadExecutor>;
  replicaStats(): Promise<ReplicaStats[]>;
  /** the CPU of the machine the replicas share, when they share one this process can read (local); null otherwise */
  hostCpu(): Promise<HostCpu | null>;
  logs(): Promise<ReplicaLog[]>;
  /** remove everything this backend started; safe to call twice */
  down(): Promise<void>;
  /** --keep: leave everything running after this process exits; purge removes it later */
  detach(): Promise<void>;
}

/** What every backend is told when it is created. */
export interface BackendContext {
  /** labels every process, cgroup, namespace or cluster object this run creates */
  runId: string;
  /** per-replica logs and backend state go here (inside the run directory) */
  stateDir: string;
  /** structured log sink (the run's JSON lines file) */
  log: LogFn;
}

/** Where a kubernetes run goes; unset fields fall back to CLOUDDETECT_K8S_* and then the kubeconfig. */
export interface KubeFlags {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  image?: string;
  nodeAddress?: string;
}

/** The command-line flags a backend may read (each reads only its own). */
export type BackendFlags = KubeFlags & { keep?: boolean };

/** A backend with its own options resolved: ready to check, create or print a plan's deployments. */
export interface ConfiguredBackend {
  /** every reason this backend cannot run `spec`, for one message before anything starts */
  check(spec: DeploymentSpec): string[];
  create(context: BackendContext): Promise<Backend>;
  /** --dry-run: what it would create for `spec` (manifests, on stdout), or null when it has nothing to show */
  dryRun(context: Pick<BackendContext, 'runId'>, spec: DeploymentSpec): string | null;
}

export interface BackendModule {
  readonly name: string;
  /**
   * Whether replicas can get a GPU share (DeploymentSpec.gpu). The plan is the one place that
   * acts on it: a study's GPU cells on a backend without are planned as skipped, with the reason,
   * so they are never checked, deployed or measured here (see PlannedCell.skip).
   */
  readonly gpu: boolean;
  /** resolves and validates this backend's own options; throws naming the bad one */
  configure(input: { flags: BackendFlags; config: StudyConfig }): ConfiguredBackend;
  /** removes what crashed runs left behind (where `flags` point); returns what it removed */
  purge(flags: BackendFlags, log: LogFn): Promise<string[]>;
}
