/**
 * `--backend kubernetes`: the BackendModule, the direct factory, purge, and
 * the pure renderer that --dry-run prints.
 */
import type { LogFn } from '../../../lib/log.js';
import type { BackendFlags, BackendModule, KubeFlags } from '../backend.js';
import { ClusterApi, loadKubeConfig } from './api.js';
import { createKubernetesBackend, deleteLabelled, unsupported } from './backend.js';
import { projectSelector } from './names.js';
import { parseKubernetesOptions, withEnvOptions, type KubernetesOptionsInput } from './options.js';
import { gpuConflict, renderFor, specManifestOptions, type ManifestOptions } from './render.js';

export { renderFor, renderKnativeService, renderManifests, type ManifestOptions, type RenderedManifests } from './render.js';
export { ENV_OPTIONS, KubernetesOptions, kubernetesOptionsFromEnv, parseKubernetesOptions, type KubernetesOptionsInput } from './options.js';
export { createKubernetesBackend } from './backend.js';

const KUBE_FLAGS: readonly (keyof KubeFlags)[] = ['kubeconfig', 'context', 'namespace', 'image', 'nodeAddress'];

/** Only the kubernetes flags that were given: unset ones fall back to CLOUDDETECT_K8S_* and the kubeconfig. */
export const kubeTarget = (flags: BackendFlags): KubernetesOptionsInput =>
  Object.fromEntries(KUBE_FLAGS.filter((k) => typeof flags[k] === 'string').map((k) => [k, flags[k]]));

/**
 * What --dry-run prints for one deployment: its manifests (a Knative Service
 * for a late policy), with the CLOUDDETECT_K8S_* options applied. Reads the
 * kubeconfig file for the context's namespace, but contacts no cluster.
 */
export function dryRunManifests(options: ManifestOptions): string {
  const merged = withEnvOptions(options, process.env);
  return renderFor(merged, merged.namespace ?? contextNamespace(merged)).yaml;
}

function contextNamespace(target: KubernetesOptionsInput): string | undefined {
  try {
    return loadKubeConfig(target).namespace;
  } catch {
    // no kubeconfig on this machine: a dry run still shows the manifests, in the default namespace
    return undefined;
  }
}

/** Deletes every Job, Service and Deployment with the project's label in the namespace, whichever run made them. */
export async function purge(log: LogFn, target: KubernetesOptionsInput = {}): Promise<string[]> {
  const kube = parseKubernetesOptions(withEnvOptions(target, process.env));
  const resolved = loadKubeConfig(kube);
  const removed = await deleteLabelled(new ClusterApi(resolved.kc, resolved.namespace), projectSelector());
  log('kubernetes.purged', { context: resolved.context, namespace: resolved.namespace, objects: removed });
  return removed;
}

export const kubernetesBackend: BackendModule = {
  name: 'kubernetes',
  // HAMi's vGPU resources in the pod template (render.ts hamiLimits)
  gpu: true,
  configure({ flags }) {
    const own = kubeTarget(flags);
    // the flags and CLOUDDETECT_K8S_* are checked now, before anything starts
    const kube = parseKubernetesOptions(withEnvOptions(own, process.env));
    return {
      check: (spec) => {
        const conflict = gpuConflict(spec.gpu, kube);
        return [...unsupported(spec), ...(conflict ? [conflict] : [])];
      },
      create: (ctx) => createKubernetesBackend(ctx, own),
      dryRun: (ctx, spec) => dryRunManifests({ ...specManifestOptions(ctx.runId, spec), ...own }),
    };
  },
  purge: (flags, log) => purge(log, kubeTarget(flags)),
};
