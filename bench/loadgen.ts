/**
 * `npm run bench -- loadgen`: what the load worker costs per request, against
 * autocannon on the same endpoint, in the same run. Both run in the study's
 * load worker process (experiments/load/worker.ts) on the 128 image bodies:
 * our closed-loop users (a closed job) and autocannon (a saturation job, the
 * capacity model's tool), each level's CPU from process.cpuUsage over the
 * level. The endpoint is bench/lib/detection-echo.ts in its own process,
 * which answers like the service at almost no cost, so the generator is
 * what is measured. Also at the study's pace (think time 1-3 s), where the
 * per-request cost includes the timers and idle wake-ups of many users; the
 * same 100 users thinking 1000 s (almost no requests) give the level's fixed
 * cost per second, which splits the paced figure into that and a per-request part.
 * autocannon is then run at the same pace (its overallRate set to the rate our
 * paced users reached, as many connections as users), in this process, so
 * the paced figure has a reference measured at the same rate too.
 * Goal (issue 18): ≤ 0.3 ms of CPU per request. About 100 s.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { dirname } from 'node:path';
import { REPO_ROOT as repoRoot } from '../lib/repo-root.js';
import { benchImages, fmt, imageBody, load } from './lib/load.js';
import { runWorkerOnce } from '../experiments/load/protocol/client.js';

const GOAL_MS = 0.3;
const CONNECTIONS = 8;
const SECONDS = 8;
const PACED_USERS = 100;
const PACED_SECONDS = 15;
/** a think time no user finishes within the level: what the level costs with (almost) no requests */
const IDLE_THINK_S = 1000;

const images = benchImages();
if (images.length === 0) {
  console.error('loadgen: no images (inputfolder/ or IMAGES_DIR)');
  process.exit(2);
}
const imagesDir = dirname(images[0]!);

const echo = spawn(process.execPath, ['--import', 'tsx', 'bench/lib/detection-echo.ts'], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] });
const [line] = (await once(echo.stdout!, 'data')) as [Buffer];
const url = `http://127.0.0.1:${Number(line.toString().trim())}`;
const base = { task: 'detection' as const, url, imagesDir, timeoutMs: 10_000, seed: 1 };
const msPer = (cores: number, seconds: number, requests: number) => (requests > 0 ? (cores * seconds * 1000) / requests : NaN);

try {
  const ours = await runWorkerOnce({ ...base, kind: 'closed', levels: [CONNECTIONS], holdS: SECONDS, thinkS: [0, 0], stopOnFailure: false });
  const theirs = await runWorkerOnce({ ...base, kind: 'saturation', concurrencies: [CONNECTIONS], durationS: SECONDS, warmupS: 1 });
  const paced = await runWorkerOnce({ ...base, kind: 'closed', levels: [PACED_USERS], holdS: PACED_SECONDS, thinkS: [1, 3], stopOnFailure: false });
  const idle = await runWorkerOnce({ ...base, kind: 'closed', levels: [PACED_USERS], holdS: PACED_SECONDS, thinkS: [IDLE_THINK_S, IDLE_THINK_S], stopOnFailure: false });

  const o = ours.steps[0]!;
  const t = theirs.levels[0]!;
  const p = paced.steps[0]!;
  const i = idle.steps[0]!;
  const oursMs = msPer(o.loadGenCpu, o.durationS, o.requests);
  const theirsMs = msPer(t.loadGenCpu, t.durationS, t.requests);
  const pacedMs = msPer(p.loadGenCpu, p.durationS, p.requests);
  console.log(`load worker CPU per request, ${images.length} image bodies, echo endpoint in its own process:`);
  console.log(`  ${CONNECTIONS} users, no think, ${SECONDS} s: ours ${fmt(oursMs, 3)} ms (${o.requests} requests, ${o.successes} ok, ${fmt(o.loadGenCpu, 2)} cores)`);
  console.log(`  autocannon, ${CONNECTIONS} connections, ${SECONDS} s: ${fmt(theirsMs, 3)} ms (${t.requests} requests, ${t.successes} ok, ${fmt(t.loadGenCpu, 2)} cores)`);
  console.log(`  ratio ours / autocannon: ${fmt(oursMs / theirsMs, 2)}`);
  console.log(`  ${PACED_USERS} users, think 1-3 s, ${PACED_SECONDS} s (the study's pace): ours ${fmt(pacedMs, 3)} ms (${p.requests} requests, ${fmt(p.requests / p.durationS, 1)} req/s)`);
  const fixedMsPerS = i.loadGenCpu * 1000;
  const pacedMsPerS = p.loadGenCpu * 1000;
  const perRequestMs = ((pacedMsPerS - fixedMsPerS) * p.durationS) / p.requests;
  console.log(`  ${PACED_USERS} users, think ${IDLE_THINK_S} s, ${PACED_SECONDS} s (${i.requests} requests): fixed ${fmt(fixedMsPerS, 1)} ms of CPU per second`);
  const rate = p.requests / p.durationS;
  const bodies = images.map(imageBody);
  const start = process.cpuUsage();
  const cannonPaced = await load(`${url}/api/object_detection`, bodies, PACED_USERS, PACED_SECONDS, rate);
  const used = process.cpuUsage(start);
  const cannonRequests = Object.values(cannonPaced.statuses).reduce((a, b) => a + b, 0);
  const cannonPacedMs = (used.user + used.system) / 1000 / cannonRequests;
  console.log(`  autocannon at that pace (${PACED_USERS} connections, overallRate ${fmt(rate, 1)}/s, ${PACED_SECONDS} s, in the bench's process): ${fmt(cannonPacedMs, 3)} ms (${fmt(cannonPaced.imagesPerS, 1)} req/s answered 200)`);
  console.log(`  ratio ours / autocannon at the study's pace: ${fmt(pacedMs / cannonPacedMs, 2)}`);
  console.log(`  study pace split: ${fmt(pacedMsPerS, 1)} ms/s = fixed ${fmt(fixedMsPerS, 1)} ms/s (${fmt((fixedMsPerS * p.durationS) / p.requests, 3)} ms/request) + ${fmt(perRequestMs, 3)} ms per request`);
  for (const [what, ms] of [['saturated', oursMs], ['study pace', pacedMs]] as const) {
    console.log(`  goal ≤ ${GOAL_MS} ms, ${what}: ${ms <= GOAL_MS ? 'met' : 'NOT met'} (${fmt(ms, 3)} ms)`);
  }
} finally {
  echo.kill('SIGTERM');
}
