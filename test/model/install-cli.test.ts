import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { OnnxGraphBuilder } from '../../model/onnx/graph.js';
import { yoloxRowCount } from '../../model/families/yolox.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'model-cli-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function cli(...args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', join(repoRoot, 'model/cli.ts'), ...args], { cwd: repoRoot, encoding: 'utf8', timeout: 60_000 });
}

test('install prints one line naming the default model and why', async () => {
  const rows = yoloxRowCount(64, 64);
  const yolox = new OnnxGraphBuilder()
    .input('images', [1, 3, 64, 64])
    .initializer('t', new Float32Array(rows * 85), [1, rows, 85])
    .node('Identity', ['t'], ['output'])
    .output('output', [1, rows, 85])
    .toBytes();
  await writeFile(join(dir, 'yolox_nano.onnx'), yolox);
  const run = cli('install', '--model-dir', join(dir, 'model'), '--shared-dir', dir, '--offline');
  assert.equal(run.status, 0, run.stderr);
  const lines = run.stdout.trim().split('\n');
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /^model: default is YOLOX-Nano from .*yolox_nano\.onnx, because yolov3-tiny\.cfg and yolov3-tiny\.weights are not in .* \(offline, no download tried\)$/);
});

test('errors are one line on stderr with a non-zero exit', () => {
  const cases = [
    cli('install', '--model-dir', join(dir, 'empty'), '--shared-dir', join(dir, 'nowhere'), '--offline'),
    cli('fetch', '--from-dir', join(dir, 'nowhere')),
    cli('random', '--cfg', 'x.cfg', '--seed', '-1', '--out', join(dir, 'w')),
    cli('convert', '--cfg', join(dir, 'missing.cfg'), '--weights', 'w', '--names', 'n', '--out', join(dir, 'o.onnx')),
  ];
  const patterns = [/^model install: no default model/, /^model fetch: --from-dir .*nowhere does not exist/, /--seed must be an integer ≥ 0/, /^model convert: .*ENOENT/];
  cases.forEach((run, i) => {
    assert.notEqual(run.status, 0);
    assert.equal(run.stdout, '');
    assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
    assert.match(run.stderr, patterns[i]!);
  });
});
