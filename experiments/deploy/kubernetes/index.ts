/**
 * `--backend kubernetes`. Public surface: the backend factory, purge, and the
 * pure renderer that --dry-run prints.
 */
import type { BackendModule, BackendOptions } from '../backend.js';
import { ClusterApi, loadKubeConfig } from './api.js';
import { createKubernetesBackend, deleteLabelled, type KubernetesBackendOptions } from './backend.js';
import { projectSelector } from './names.js';
import { parseKubernetesOptions, withEnvOptions, type KubernetesOptionsInput } from './options.js';
import { renderManifests, type ManifestOptions } from './render.js';

export { renderManifests, type ManifestOptions, type RenderedManifests } from './render.js';
export { ENV_OPTIONS, KubernetesOptions, kubernetesOptionsFromEnv, parseKubernetesOptions, type KubernetesOptionsInput } from './options.js';
export type { KubernetesBackendOptions } from './backend.js';

/** Kubernetes options come from `options`, else from the CLOUDDETECT_K8S_* environment (see ENV_OPTIONS). */
export function createBackend(options: KubernetesBackendOptions) {
  return createKubernetesBackend(options, process.env);
}

/**
 * What --dry-run prints: the manifests of the first up(), with the
 * CLOUDDETECT_K8S_* options applied. Reads the kubeconfig file for the
 * context's namespace, but contacts no cluster.
 */
export function dryRunManifests(options: ManifestOptions): string {
  const merged = withEnvOptions(options, process.env);
  return renderManifests(merged, merged.namespace ?? contextNamespace(merged)).yaml;
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
export async function purge(log: BackendOptions['log'], target: KubernetesOptionsInput = {}): Promise<string[]> {
  const kube = parseKubernetesOptions(withEnvOptions(target, process.env));
  const resolved = loadKubeConfig(kube);
  const removed = await deleteLabelled(new ClusterApi(resolved.kc, resolved.namespace), projectSelector());
  log('kubernetes.purged', { context: resolved.context, namespace: resolved.namespace, objects: removed });
  return removed;
}

({ createBackend, purge }) satisfies BackendModule;
