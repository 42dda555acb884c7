import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { createInterface } from 'node:readline';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { purge } from '../../experiments/deploy/local/purge.js';
import { purge as purgeTag } from '../../experiments/deploy/local/purge.js';
import { isRoot, leftovers, repoRoot, servedBy, testRun } from '../helpers/local-options.js';

const owners: ChildProcess[] = [];
const tags: string[] = [];
// owners that die by a signal cannot remove their own state directories, so this process does
const stateRoot = mkdtempSync(path.join(os.tmpdir(), 'cd-local-purge-'));
after(async () => {
  for (const o of owners) o.kill('SIGKILL');
  for (const tag of tags) await purgeTag(() => undefined, tag);
  rmSync(stateRoot, { recursive: true, force: true });
});

async function startOwner(overrides: Record<string, unknown>, mode = 'wait'): Promise<{ owner: ChildProcess; tag: string; url: string }> {
  const stateDir = path.join(stateRoot, String(owners.length));
  const owner = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'test/helpers/local-owner.ts'), JSON.stringify({ ...overrides, stateDir }), mode], {
    cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'],
  });
  owners.push(owner);
  const lines = createInterface({ input: owner.stdout! });
  const timeout = setTimeout(() => owner.kill('SIGKILL'), 60_000);
  for await (const line of lines) {
    const m = /^READY ([0-9a-f]{8}) (\S+)$/.exec(line);
    if (m) {
      clearTimeout(timeout);
      tags.push(m[1]!);
      return { owner, tag: m[1]!, url: m[2]! };
    }
  }
  throw new Error('the owner process exited before it was ready');
}

async function untilGone(tag: string, timeoutMs: number): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  let left = await leftovers(tag);
  while (left.length > 0 && Date.now() < deadline) {
    await sleep(250);
    left = await leftovers(tag);
  }
  return left;
}

test('purge removes what a SIGKILLed run left behind', async () => {
  const { owner, tag } = await startOwner({ reaper: false });
  owner.kill('SIGKILL');
  await once(owner, 'exit');
  const left = await leftovers(tag);
  assert.ok(left.some((l) => l.startsWith('process')), `a killed owner leaves its replicas running: ${left.join(', ')}`);
  if (isRoot) assert.ok(left.some((l) => l.startsWith('netns')) && left.some((l) => l.startsWith('cgroup')));

  const removed = await purge(() => undefined);
  assert.ok(removed.some((r) => r.includes(tag)));
  assert.deepEqual(await untilGone(tag, 10_000), []);
});

test('the reaper cleans up by itself when its run is SIGKILLed', async () => {
  const { owner, tag } = await startOwner({});
  owner.kill('SIGKILL');
  await once(owner, 'exit');
  assert.deepEqual(await untilGone(tag, 30_000), []);
});

test('Ctrl-C (SIGINT) on the owner takes everything down before it exits', async () => {
  const { owner, tag } = await startOwner({ reaper: false });
  owner.kill('SIGINT');
  const [, signal] = await once(owner, 'exit');
  assert.equal(signal, 'SIGINT');
  assert.deepEqual(await leftovers(tag), []);
});

test('detach (--keep) leaves the run serving after its owner exits, and purge removes it', async () => {
  const { owner, tag, url } = await startOwner({}, 'detach');
  const [code] = await once(owner, 'exit');
  assert.equal(code, 0, 'nothing of the run may keep its owner alive');
  assert.deepEqual(Object.keys(await servedBy(url, 4)).sort(), [`${tag}-replica-0`, `${tag}-replica-1`]);
  assert.ok((await leftovers(tag)).length > 0);
  const removed = await purge(() => undefined);
  assert.ok(removed.some((r) => r.includes(tag)));
  assert.deepEqual(await untilGone(tag, 10_000), []);
});

test('purge leaves a live run alone', async () => {
  const run = testRun();
  const backend = await run.start();
  try {
    await backend.deploy(run.spec(1));
    const { url } = await backend.endpoint('cluster');
    const removed = await purge(() => undefined);
    assert.ok(!removed.some((r) => r.includes(run.tag)), removed.join(', '));
    assert.deepEqual(Object.values(await servedBy(url, 2)), [2]);
  } finally {
    await backend.down();
  }
  assert.deepEqual(await leftovers(run.tag), []);
});
