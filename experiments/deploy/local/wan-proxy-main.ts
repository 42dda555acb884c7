/**
 * WAN proxy process entry. Env: WAN_LISTEN_HOST, WAN_LISTEN_PORT (0 = any),
 * WAN_TARGET_HOST, WAN_TARGET_PORT, WAN_RTT_MS, WAN_JITTER_MS, WAN_BANDWIDTH_MBIT.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { serveHelper } from './helper-process.js';
import { createWanProxy } from './wan-proxy.js';

const num = z.coerce.number().nonnegative();
const env = z
  .object({
    WAN_LISTEN_HOST: z.string(),
    WAN_LISTEN_PORT: z.coerce.number().int().min(0).max(65535).default(0),
    WAN_TARGET_HOST: z.string(),
    WAN_TARGET_PORT: z.coerce.number().int().min(1).max(65535),
    WAN_RTT_MS: num,
    WAN_JITTER_MS: num,
    WAN_BANDWIDTH_MBIT: num,
  })
  .parse(process.env);

const server = createWanProxy(
  { host: env.WAN_TARGET_HOST, port: env.WAN_TARGET_PORT },
  { rttMs: env.WAN_RTT_MS, jitterMs: env.WAN_JITTER_MS, bandwidthMbit: env.WAN_BANDWIDTH_MBIT },
);
server.listen(env.WAN_LISTEN_PORT, env.WAN_LISTEN_HOST);
await once(server, 'listening');
serveHelper((server.address() as AddressInfo).port, {});
