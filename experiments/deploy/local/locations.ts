/**
 * The two client locations. `cluster`: the load generator on this machine,
 * straight to the balancer's loopback port. `remote`: the load generator in
 * its own network namespace, reaching the balancer only through the WAN
 * proxy; without root, the same proxy on loopback.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { z } from 'zod';
import type { LocationEndpoint } from '../backend.js';
import type { WanProfile } from './options.js';
import type { Location } from '../../contracts/domain.js';
import { startHelper, type HelperProcess } from './helper-process.js';
import { createNetns, deleteNetns, type Netns } from './netns.js';
import { measurePath, type PathMeasurement } from './path-probe.js';

const run = promisify(execFile);

export interface LocationSetup {
  endpoint: LocationEndpoint;
  /** command prefix that puts the load generator at this location */
  prefix: string[];
  /** the WAN proxy process, when this location has one */
  helper: HelperProcess | null;
  tearDown(): Promise<void>;
}

export interface LocationContext {
  tag: string;
  balancerPort: number;
  wan: WanProfile;
  /** a network namespace is possible (root + iproute2) */
  netns: boolean;
  cwd: string;
  env: Record<string, string>;
  logFd: number;
  limitsNote: string;
  probe: { pings: number; uploadBytes: number };
}

const Measured = z.object({ rttMs: z.number().nonnegative(), bandwidthMbit: z.number().positive().nullable() });

export async function setUpLocation(location: Location, ctx: LocationContext): Promise<LocationSetup> {
  const balancerUrl = `http://127.0.0.1:${ctx.balancerPort}`;
  if (location === 'cluster') {
    const m = await measurePath(balancerUrl, { pings: ctx.probe.pings, uploadBytes: 0 });
    return {
      endpoint: {
        location,
        url: balancerUrl,
        description: `loopback to the balancer on this machine${ctx.limitsNote}`,
        bandwidthMbit: null,
        measured: m,
      },
      prefix: [],
      helper: null,
      tearDown: async () => undefined,
    };
  }

  let netns: Netns | null = null;
  let proxy: HelperProcess | null = null;
  const tearDown = async () => {
    await proxy?.stop();
    if (netns) await deleteNetns(netns.name, netns.hostIf);
  };
  try {
    if (ctx.netns) netns = await createNetns(ctx.tag);
    const listenHost = netns?.hostIp ?? '127.0.0.1';
    proxy = await startHelper(
      path.join(ctx.cwd, 'experiments/deploy/local/wan-proxy-main.ts'),
      {
        ...ctx.env,
        WAN_LISTEN_HOST: listenHost,
        WAN_TARGET_HOST: '127.0.0.1',
        WAN_TARGET_PORT: String(ctx.balancerPort),
        WAN_RTT_MS: String(ctx.wan.rttMs),
        WAN_JITTER_MS: String(ctx.wan.jitterMs),
        WAN_BANDWIDTH_MBIT: String(ctx.wan.bandwidthMbit),
      },
      { cwd: ctx.cwd, logFd: ctx.logFd },
    );
    const url = `http://${listenHost}:${proxy.port}`;
    const prefix = netns ? ['ip', 'netns', 'exec', netns.name] : [];
    const m = await measureFrom(prefix, url, ctx);
    const { rttMs, jitterMs, bandwidthMbit } = ctx.wan;
    const configured = `${rttMs} ms RTT ±${jitterMs} ms, ${bandwidthMbit > 0 ? `${bandwidthMbit} Mbit/s` : 'unlimited bandwidth'}`;
    const where = netns
      ? `network namespace ${netns.name} (veth ${netns.nsIp} → ${netns.hostIp})`
      : 'loopback (no network namespace: not root)';
    return {
      endpoint: {
        location,
        url,
        description: `${where} + userspace WAN proxy, configured ${configured}${ctx.limitsNote}`,
        bandwidthMbit: bandwidthMbit > 0 ? bandwidthMbit : null,
        measured: m,
      },
      prefix,
      helper: proxy,
      tearDown,
    };
  } catch (err) {
    await tearDown();
    throw err;
  }
}

/** Runs the path probe where the load generator will run, so the numbers are the client's. */
async function measureFrom(prefix: string[], url: string, ctx: LocationContext): Promise<PathMeasurement> {
  const uploadBytes = ctx.wan.bandwidthMbit > 0 ? ctx.probe.uploadBytes : 0;
  if (prefix.length === 0) return measurePath(url, { pings: ctx.probe.pings, uploadBytes });
  const [cmd, ...args] = [...prefix, process.execPath, '--import', 'tsx', 'experiments/deploy/local/path-probe-main.ts', url, String(ctx.probe.pings), String(uploadBytes)];
  const { stdout } = await run(cmd!, args, { cwd: ctx.cwd, env: { ...process.env, ...ctx.env }, timeout: 120_000 });
  return Measured.parse(JSON.parse(stdout.trim()));
}
