/**
 * `--backend podman`: the local cluster (balancer, client locations, run
 * records, reaper) with every replica a container of the service image,
 * started from the pod spec the Kubernetes backend renders. It proves the
 * image and the pod spec inside the study; `local` stays the default.
 */
import type { Backend, BackendContext, BackendModule } from '../backend.js';
import { createLocalBackend } from '../local/index.js';
import { resolveLocalOptions, type LocalOptionsInput } from '../local/options.js';
import { purge } from '../local/purge.js';
import { containerRuntime } from './container-runtime.js';
import { engineFlags, imageExists, podmanInstalled } from './engine.js';

/** The service image without a model (scripts/build-image.sh --target runtime): the backend binds each cell's model in. */
export const DEFAULT_PODMAN_IMAGE = 'docker.io/library/clouddetect:runtime';

/** Checks podman and the image, finds the host's quirk flags, then starts the local cluster with container replicas. */
export async function createPodmanBackend(ctx: BackendContext, own: LocalOptionsInput, image = DEFAULT_PODMAN_IMAGE): Promise<Backend> {
  if (!(await podmanInstalled())) throw new Error('podman is not installed (Debian: apt-get install podman runc; see docs/local-cluster.md)');
  if (!(await imageExists(image))) throw new Error(`image ${image} is not here: build it with \`bash scripts/build-image.sh --target runtime\``);
  const flags = await engineFlags(image, (line) => ctx.log('podman-engine', { note: line }));
  ctx.log('podman-flags', { image, runFlags: flags.runFlags, quirks: flags.quirks });
  return createLocalBackend(ctx, own, {
    name: 'podman',
    runtime: ({ tag, cgroups }) => containerRuntime({ runId: ctx.runId, tag, image, flags, layout: cgroups?.layout ?? null, stateDir: ctx.stateDir }),
  });
}

export const podmanBackend: BackendModule = {
  name: 'podman',
  gpu: false,
  configure({ flags, config }) {
    const own: LocalOptionsInput = { wan: config.wan, loadGenCpu: config.loadGenerator.cpu, readyTimeoutMs: Math.round(config.readyTimeoutS * 1000) };
    resolveLocalOptions(own);
    return {
      // every policy, resource and model runs: the balancer is the local one, models are bound into the container
      check: () => [],
      create: (ctx) => createPodmanBackend(ctx, own, flags.image),
      dryRun: () => null,
    };
  },
  // containers, processes, cgroups, namespaces and records of runs whose owner is gone, as the local purge
  purge: (_flags, log) => purge(log),
};
