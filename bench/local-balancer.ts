/**
 * What the local backend's balancer costs: the same load straight to one
 * fake replica (baseline) and through the balancer process, at 1 and 8
 * connections. Prints requests/s, latency and the balancer's CPU per request.
 *
 *   npx tsx bench/local-balancer.ts
 */
import { spawn } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { freePort } from '../experiments/deploy/local/free-port.js';
import { startHelper } from '../experiments/deploy/local/helper-process.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DURATION_S = 5;

/** utime + stime of a process, seconds */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const port = await freePort();
const replica = spawn(process.execPath, ['--import', 'tsx', 'bench/lib/fake-replica.ts'], {
  cwd: root, env: { ...process.env, PORT: String(port), POD_NAME: 'bench-0' }, stdio: 'ignore',
});
const balancer = await startHelper(path.join(root, 'experiments/deploy/local/balancer-main.ts'), { LB_POLICY: 'round-robin' }, { cwd: root, logFd: openSync('/dev/null', 'w') });
try {
  await balancer.call('pool', { upstreams: [{ name: 'bench-0', url: `http://127.0.0.1:${port}` }] });
  for (let i = 0; i < 100 && !(await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false)); i++) await sleep(100);

  const rows: Record<string, string | number>[] = [];
  for (const connections of [1, 8]) {
    let baseline = 0;
    for (const [name, target] of [['direct', port], ['balancer', balancer.port]] as const) {
      const before = cpuSeconds(balancer.child.pid!);
      const r = await autocannon({ url: `http://127.0.0.1:${target}/healthz`, connections, duration: DURATION_S });
      const lbCpu = cpuSeconds(balancer.child.pid!) - before;
      if (name === 'direct') baseline = r.requests.average;
      rows.push({
        path: name, connections, 'req/s': Math.round(r.requests.average), 'vs direct': (r.requests.average / baseline).toFixed(2),
        'p50 ms': r.latency.p50, 'p99 ms': r.latency.p99, 'balancer CPU ms/req': name === 'direct' ? '-' : ((lbCpu * 1000) / Math.max(r.requests.total, 1)).toFixed(3),
      });
    }
  }
  console.table(rows);
} finally {
  await balancer.stop();
  replica.kill('SIGTERM');
}
