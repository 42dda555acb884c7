/**
 * scripts/test-image.sh end to end: the real images, run with podman as a
 * user would, checked from outside. It builds them first, or brings them up to
 * date with the tree (CI builds them before the suite, so there that is the
 * layer cache's few seconds). Skipped, with the reason, where podman is not
 * installed.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { repoRoot } from '../helpers/service.js';

const hasPodman = spawnSync('sh', ['-c', 'command -v podman'], { encoding: 'utf8' }).status === 0;
const skip = process.env.CLOUDDETECT_SKIP_IMAGE_TEST
  ? 'CLOUDDETECT_SKIP_IMAGE_TEST is set'
  : hasPodman
    ? false
    : 'podman is not installed (apt-get install podman runc mmdebstrap; see docs/service.md)';

// Building all three images from nothing took about 2.5 minutes here, an up-to-date build 20 s, the checks 20-25 s.
const LIMIT_MS = 25 * 60_000;
const CHECKS = ['readyz', 'cpu limit', 'photo', 'non-root', 'healthcheck', 'bad input', 'memory (baked', 'log', 'sigterm', 'loadgen', 'memory (runtime'];

test('test-image.sh: every check of the built images passes', { skip, timeout: LIMIT_MS + 60_000 }, async (t) => {
  // Its own process group, so a timeout stops podman and curl too and the script's trap removes its containers.
  const child = spawn('bash', ['scripts/test-image.sh'], { cwd: repoRoot, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    process.kill(-child.pid!, 'SIGTERM');
  }, LIMIT_MS);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(timer);
  const lines = out.split('\n');
  for (const line of lines.filter((l) => /^(PASS|FAIL|test-image:|build-image: \S+ +docker)/.test(l))) t.diagnostic(line);
  assert.ok(!timedOut, `test-image.sh did not finish within ${LIMIT_MS / 60_000} min:\n${out.slice(-3000)}`);
  const failed = lines.filter((l) => l.startsWith('FAIL'));
  assert.deepEqual(failed, [], out.slice(-3000));
  assert.equal(code, 0, out.slice(-3000));
  const passed = lines.filter((l) => l.startsWith('PASS '));
  for (const check of CHECKS) assert.ok(passed.some((l) => l.startsWith(`PASS ${check}`)), `no PASS line for "${check}":\n${passed.join('\n')}`);
});
