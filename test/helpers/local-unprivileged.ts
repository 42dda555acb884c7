/**
 * Deploys a small local run and prints what it saw as one JSON line; the
 * tests start it as an unprivileged user to check the no-limits fallback.
 */
import { leftovers, testRun } from './local-options.js';

const run = testRun();
const backend = await run.start();
let report: Record<string, unknown>;
try {
  await backend.deploy(run.spec(1));
  const cluster = await backend.endpoint('cluster');
  const remote = await backend.endpoint('remote');
  report = { limitsEnforced: backend.limitsEnforced, cluster: cluster.description, remoteUrl: remote.url, remote: remote.description, stats: await backend.replicaStats() };
} finally {
  await backend.down();
}
process.stdout.write(`${JSON.stringify({ ...report, events: run.events.map((e) => e.event), leftovers: await leftovers(run.tag) })}\n`);
