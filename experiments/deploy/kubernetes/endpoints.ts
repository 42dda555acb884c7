/**
 * Where the load generators reach the NodePort. Pure: takes the nodes and the
 * API server URL, returns addresses.
 *
 * remote: this machine. A node's ExternalIP when the cluster reports one;
 * kubeadm clusters on cloud VMs usually report only private InternalIPs, so
 * next comes the API server's host from the kubeconfig (the control-plane
 * node, which this machine can evidently reach), and the InternalIP last.
 *
 * cluster: the Job pod, which sits on the control-plane node when pinned;
 * it uses the NodePort on that node's InternalIP, so both locations go
 * through the same kube-proxy path and differ only in where the client is.
 */
import type { V1Node } from '@kubernetes/client-node';

const CONTROL_PLANE_ROLES = ['node-role.kubernetes.io/control-plane', 'node-role.kubernetes.io/master'];

function isReady(n: V1Node): boolean {
  return n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

export function isControlPlane(n: V1Node): boolean {
  const labels = n.metadata?.labels ?? {};
  return CONTROL_PLANE_ROLES.some((role) => role in labels);
}

function address(n: V1Node, type: 'ExternalIP' | 'InternalIP'): string | undefined {
  return n.status?.addresses?.find((a) => a.type === type)?.address;
}

/** Ready nodes, control plane first. */
function ordered(nodes: readonly V1Node[]): V1Node[] {
  return nodes.filter(isReady).sort((a, b) => Number(isControlPlane(b)) - Number(isControlPlane(a)));
}

const LOOPBACK = /^(localhost|127\.|\[?::1\]?$)/;

export function remoteAddress(nodes: readonly V1Node[], apiServer: string): { address: string; source: string } {
  const ready = ordered(nodes);
  for (const n of ready) {
    const ip = address(n, 'ExternalIP');
    if (ip) return { address: ip, source: `ExternalIP of node ${n.metadata?.name}` };
  }
  const host = new URL(apiServer).hostname;
  // a loopback API server is a tunnel or a local cluster: the nodes' own addresses are better guesses then
  if (host && !LOOPBACK.test(host)) return { address: host, source: 'API server host from the kubeconfig' };
  for (const n of ready) {
    const ip = address(n, 'InternalIP');
    if (ip) return { address: ip, source: `InternalIP of node ${n.metadata?.name}` };
  }
  if (host) return { address: host, source: 'API server host from the kubeconfig' };
  throw new Error('no node address found: no Ready node reports an IP; pass --node-address');
}

export function clusterAddress(nodes: readonly V1Node[], pinnedToControlPlane: boolean): { address: string; node: string } {
  const candidates = ordered(nodes).filter((n) => !pinnedToControlPlane || isControlPlane(n));
  for (const n of candidates) {
    const ip = address(n, 'InternalIP');
    if (ip) return { address: ip, node: n.metadata?.name ?? '' };
  }
  throw new Error(
    pinnedToControlPlane
      ? 'no Ready control-plane node with an InternalIP: label it node-role.kubernetes.io/control-plane or disable pinning'
      : 'no Ready node with an InternalIP',
  );
}

export function urlFor(host: string, port: number): string {
  return `http://${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${port}`;
}
