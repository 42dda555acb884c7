/**
 * The `remote` client location: a network namespace joined to the host by a
 * veth pair on a private /30, so the load generator's packets really leave
 * its own network stack and reach the balancer only through the WAN proxy.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const NETNS_PREFIX = 'cdr-';

export interface Netns {
  name: string;
  hostIf: string;
  hostIp: string;
  nsIp: string;
}

export async function ip(...args: string[]): Promise<string> {
  const { stdout } = await run('ip', args);
  return stdout;
}

/** 10.231.a.b/30 picked from the tag, stepping past any /30 already in use on this host. */
export function subnetFor(tag: string, used: Set<string>): { hostIp: string; nsIp: string } {
  const seed = parseInt(tag.slice(0, 6), 16);
  for (let i = 0; i < 16384; i++) {
    const block = (seed + i) % 16384;
    const base = block * 4;
    const prefix = `10.231.${base >> 8}.`;
    const hostIp = `${prefix}${(base & 255) + 1}`;
    const nsIp = `${prefix}${(base & 255) + 2}`;
    if (!used.has(hostIp) && !used.has(nsIp)) return { hostIp, nsIp };
  }
  throw new Error('no free /30 left in 10.231.0.0/16');
}

async function addressesInUse(): Promise<Set<string>> {
  const out = await ip('-o', '-4', 'addr', 'show');
  return new Set([...out.matchAll(/inet (10\.231\.\d+\.\d+)\//g)].map((m) => m[1]!));
}

export function netnsNames(tag: string): { name: string; hostIf: string; nsIf: string } {
  return { name: `${NETNS_PREFIX}${tag}`, hostIf: `${NETNS_PREFIX}${tag}-h`, nsIf: `${NETNS_PREFIX}${tag}-n` };
}

export async function createNetns(tag: string): Promise<Netns> {
  const { name, hostIf, nsIf } = netnsNames(tag);
  await deleteNetns(name, hostIf);
  const { hostIp, nsIp } = subnetFor(tag, await addressesInUse());
  try {
    await ip('netns', 'add', name);
    await ip('link', 'add', hostIf, 'type', 'veth', 'peer', 'name', nsIf);
    await ip('link', 'set', nsIf, 'netns', name);
    await ip('addr', 'add', `${hostIp}/30`, 'dev', hostIf);
    await ip('link', 'set', hostIf, 'up');
    await ip('-n', name, 'addr', 'add', `${nsIp}/30`, 'dev', nsIf);
    await ip('-n', name, 'link', 'set', nsIf, 'up');
    await ip('-n', name, 'link', 'set', 'lo', 'up');
  } catch (err) {
    await deleteNetns(name, hostIf);
    throw new Error(`cannot create network namespace ${name}: ${(err as Error).message.split('\n')[0]}`);
  }
  return { name, hostIf, hostIp, nsIp };
}

/** Kills what still runs inside, then deletes the namespace and the host end of the veth (which takes the peer with it). */
export async function deleteNetns(name: string, hostIf: string): Promise<void> {
  const pids = await ip('netns', 'pids', name).catch(() => '');
  for (const pid of pids.split('\n').filter(Boolean)) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await ip('link', 'del', hostIf).catch(() => undefined);
  await ip('netns', 'del', name).catch(() => undefined);
}

export async function listNetns(): Promise<string[]> {
  const out = await ip('netns', 'list').catch(() => '');
  return out.split('\n').map((l) => l.split(' ')[0]!).filter((n) => n.startsWith(NETNS_PREFIX));
}

export async function listLinks(): Promise<string[]> {
  const out = await ip('-o', 'link', 'show').catch(() => '');
  return [...out.matchAll(/^\d+: ([^:@]+)[:@]/gm)].map((m) => m[1]!).filter((n) => n.startsWith(NETNS_PREFIX));
}
