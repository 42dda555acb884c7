import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { findBrowser } from '../../reports/browser.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const zx = join(root, 'node_modules/.bin/zx');
const fixture = join(root, 'test/fixtures/run-fixture');
let tmp: string;

before(() => { tmp = mkdtempSync(join(tmpdir(), 'report-cli-')); });
after(() => rmSync(tmp, { recursive: true, force: true }));

function cli(...args: string[]) {
  const out = spawnSync(zx, [join(root, 'experiments/report.mjs'), ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  return { code: out.status, stdout: out.stdout, stderr: out.stderr };
}

function hasBrowser(): boolean {
  try {
    findBrowser();
    return true;
  } catch {
    return false;
  }
}

test('a bad option value exits 2 and names the choices', () => {
  const out = cli(fixture, '--format', 'B5');
  assert.equal(out.code, 2);
  assert.match(out.stderr, /--format <size>' argument 'B5' is invalid\. Allowed choices are A4, Letter/);
});

test('a malformed results file exits 1 with one line naming the file', () => {
  const dir = join(tmp, 'bad');
  cpSync(fixture, dir, { recursive: true });
  writeFileSync(join(dir, 'experiment_results.json'), '{"schemaVersion": 1');
  const out = cli(dir);
  assert.equal(out.code, 1);
  assert.match(out.stderr.trim(), /^report: .*bad\/experiment_results\.json: not valid JSON/);
  assert.equal(existsSync(join(dir, 'report.pdf')), false);
});

test('without notes it writes both files and says what to write, and where', { skip: hasBrowser() ? false : 'no Chrome/Chromium' }, () => {
  const dir = join(tmp, 'ok');
  cpSync(fixture, dir, { recursive: true });
  const out = cli(dir, '--format', 'Letter');
  assert.equal(out.code, 0, out.stderr);
  assert.ok(existsSync(join(dir, 'report.html')) && existsSync(join(dir, 'report.pdf')));
  assert.match(out.stderr, new RegExp(`warning: no notes file at ${join(dir, 'notes.md')}`));
  assert.match(out.stderr, /## Analysis[\s\S]*## Challenges/);
  assert.match(out.stdout, /report: \d+ words; open .*report\.pdf/);
});
