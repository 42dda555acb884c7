/**
 * Balancer process entry. Env: LB_BALANCER (a BalancerSpec as JSON),
 * LB_HOST, LB_PORT (0 = any free port). Driven by the backend through
 * helper-process calls; `policy` switches the spec in place.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { createBalancer, type Upstream } from './balancer-proxy.js';
import { serveHelper } from './helper-process.js';
import { BalancerSpec } from '../../contracts/deployment.js';

const env = z
  .object({
    LB_BALANCER: z.string().transform((s, ctx) => {
      try {
        return JSON.parse(s) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'not JSON' });
        return z.NEVER;
      }
    }).pipe(BalancerSpec),
    LB_HOST: z.string().default('127.0.0.1'),
    LB_PORT: z.coerce.number().int().min(0).max(65535).default(0),
  })
  .parse(process.env);

const balancer = createBalancer(env.LB_BALANCER);
balancer.server.listen(env.LB_PORT, env.LB_HOST);
await once(balancer.server, 'listening');

serveHelper((balancer.server.address() as AddressInfo).port, {
  pool: (args) => balancer.setPool(args.upstreams as Upstream[]),
  drain: (args) => balancer.drain(String(args.name), Number(args.timeoutMs)),
  stats: () => balancer.stats(),
  policy: (args) => balancer.setBalancer(BalancerSpec.parse(args.spec)),
});
