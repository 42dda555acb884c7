/**
 * scripts/engine-flags.sh against a fake `podman` on PATH that fails the way
 * this host's engine does (crun and a hybrid cgroup layout; rlimits that may
 * not be raised), so the try-then-fall-back logic is checked on any machine.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { repoRoot } from '../helpers/service.js';

const bin = mkdtempSync(join(tmpdir(), 'fake-engine-'));
after(() => rmSync(bin, { recursive: true, force: true }));

// FAKE_ENGINE: ok (starts anything), host (needs --runtime runc and --ulimit), broken (never starts).
writeFileSync(
  join(bin, 'podman'),
  `#!/usr/bin/env bash
echo "$*" >>"$FAKE_ENGINE_LOG"
case "$1" in
  info) echo crun ;;
  image) [ "$3" != missing:1 ] ;;
  run)
    case "$FAKE_ENGINE" in
      ok) exit 0 ;;
      broken) echo 'Error: no space left on device' >&2; exit 125 ;;
    esac
    [[ " $* " == *" --runtime runc "* ]] || { echo 'level=error msg="unable to get systemd connection"' >&2; echo 'Error: OCI runtime error: crun: cgroups in hybrid mode not supported' >&2; exit 126; }
    [[ " $* " == *" --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 "* ]] || { echo 'Error: runc: error setting rlimit type 7: operation not permitted' >&2; exit 126; }
    ;;
  *) exit 3 ;;
esac
`,
);
writeFileSync(join(bin, 'runc'), '#!/bin/sh\nexit 0\n');
for (const f of ['podman', 'runc']) chmodSync(join(bin, f), 0o755);

interface Flags {
  engine: string;
  runFlags: string[];
  buildFlags: string[];
  quirks: string[];
  scheduledHealthchecks: boolean;
  probeImage: string;
  containersConf: string | null;
}

function engineFlags(mode: string, args: string[] = ['--image', 'fake:1'], extraEnv: Record<string, string> = {}) {
  const log = join(bin, `calls-${mode}.log`);
  writeFileSync(log, '');
  const r = spawnSync('bash', ['scripts/engine-flags.sh', ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    env: { PATH: `${bin}:${process.env.PATH}`, HOME: process.env.HOME, CLOUDDETECT_ENGINE: 'podman', FAKE_ENGINE: mode, FAKE_ENGINE_LOG: log, ...extraEnv },
    timeout: 30_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, calls: () => spawnSync('cat', [log], { encoding: 'utf8' }).stdout };
}

test('an engine that starts containers as they are needs no quirk flags', () => {
  const r = engineFlags('ok');
  assert.equal(r.status, 0, r.stderr);
  const flags = JSON.parse(r.stdout) as Flags;
  assert.deepEqual(flags.runFlags, []);
  assert.deepEqual(flags.quirks, []);
  assert.deepEqual(flags.buildFlags, ['--format', 'docker']);
  assert.equal(flags.engine, 'podman');
  assert.equal(flags.probeImage, 'fake:1');
  assert.match(r.stderr, /no quirk flags/);
  // the probe runs the image with limits, as the study will
  assert.match(r.calls(), /^run --rm --network none --cpus 0\.5 --memory 64m fake:1 true$/m);
});

test('crun refusing the hybrid layout and forbidden rlimits: both fallbacks, tried in turn and said', () => {
  const r = engineFlags('host');
  assert.equal(r.status, 0, r.stderr);
  const flags = JSON.parse(r.stdout) as Flags;
  assert.deepEqual(flags.runFlags, ['--runtime', 'runc', '--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024']);
  assert.deepEqual(flags.quirks, ['runtime', 'ulimit']);
  // builds run containers too, so they get the runtime; rlimits are not raised by builds
  assert.deepEqual(flags.buildFlags, ['--format', 'docker', '--runtime', 'runc']);
  assert.match(r.stderr, /failed without quirk flags: Error: OCI runtime error: crun: cgroups in hybrid mode/);
  assert.match(r.stderr, /using --runtime runc/);
  assert.match(r.stderr, /raising rlimits is not permitted here: using --ulimit nofile=1024:1024 --ulimit nproc=1024:1024/);
  assert.equal(r.calls().split('\n').filter((l) => l.startsWith('run ')).length, 4);
});

test('--containers-conf writes the quirks as podman defaults, for kube play, which takes no --ulimit', () => {
  const file = join(bin, 'quirks.conf');
  const r = engineFlags('host', ['--image', 'fake:1', '--containers-conf', file]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal((JSON.parse(r.stdout) as Flags).containersConf, file);
  const conf = readFileSync(file, 'utf8');
  assert.match(conf, /^\[containers\]\ndefault_ulimits = \["nofile=1024:1024", "nproc=1024:1024"\]$/m);
  assert.match(conf, /^\[engine\]\nruntime = "runc"$/m);
  assert.equal((JSON.parse(engineFlags('ok').stdout) as Flags).containersConf, null);
});

test('an engine that starts nothing: exit 1 naming the error, no JSON', () => {
  const r = engineFlags('broken');
  assert.equal(r.status, 1);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /no combination of quirk flags .* starts a container of fake:1; last error: Error: no space left on device/);
});

test('CLOUDDETECT_RUN_FLAGS replaces the probe; a missing image or a bad argument is named', () => {
  const given = engineFlags('broken', ['--image', 'fake:1'], { CLOUDDETECT_RUN_FLAGS: '--ulimit nofile=512:512' });
  assert.equal(given.status, 0, given.stderr);
  assert.deepEqual((JSON.parse(given.stdout) as Flags).runFlags, ['--ulimit', 'nofile=512:512']);
  assert.doesNotMatch(given.calls(), /^run /m);
  const missing = engineFlags('ok', ['--image', 'missing:1']);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /image missing:1 is not here/);
  const bad = engineFlags('ok', ['--bogus']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /unknown argument "--bogus"/);
  const engine = engineFlags('ok', [], { CLOUDDETECT_ENGINE: 'lxc' });
  assert.equal(engine.status, 1);
  assert.match(engine.stderr, /CLOUDDETECT_ENGINE must be podman or docker/);
});
