import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { CommanderError, parseCli } from '../../experiments/cli/args.js';
import { EXIT, exitCodeFor, RunError, UsageError } from '../../experiments/cli/exit-codes.js';
import { ConfigError } from '../../experiments/plan/config.js';
import { AbortedError } from '../../experiments/search/job-probe.js';

const silent = { write: () => undefined, writeErr: () => undefined };
const saved = process.env.CLOUDDETECT_BACKEND;
afterEach(() => {
  if (saved === undefined) delete process.env.CLOUDDETECT_BACKEND;
  else process.env.CLOUDDETECT_BACKEND = saved;
});

test('run options: defaults, flags and environment', () => {
  delete process.env.CLOUDDETECT_BACKEND;
  const plain = parseCli([], silent);
  assert.equal(plain.command, 'run');
  assert.equal(plain.command === 'run' && plain.options.backend, 'local');
  assert.equal(plain.command === 'run' && plain.options.report, true);
  const flags = parseCli(['--quick', '--dry-run', '--keep', '--fit-host', '--strategy', 'ramp', '--no-report'], silent);
  assert.ok(flags.command === 'run');
  assert.deepEqual(
    [flags.options.quick, flags.options.dryRun, flags.options.keep, flags.options.fitHost, flags.options.strategy, flags.options.report],
    [true, true, true, true, 'ramp', false],
  );
  process.env.CLOUDDETECT_BACKEND = 'fake';
  const env = parseCli([], silent);
  assert.equal(env.command === 'run' && env.options.backend, 'fake');
  const flagWins = parseCli(['--backend', 'kubernetes'], silent);
  assert.equal(flagWins.command === 'run' && flagWins.options.backend, 'kubernetes');
});

test('purge takes its own --backend', () => {
  const cli = parseCli(['purge', '--backend', 'fake'], silent);
  assert.deepEqual(cli, { command: 'purge', options: { backend: 'fake', verbose: false } });
});

test('bad usage is a CommanderError, mapped to exit 2 by run-all', () => {
  assert.throws(() => parseCli(['--backend', 'cloud'], silent), (e: unknown) => e instanceof CommanderError && e.exitCode !== 0);
  assert.throws(() => parseCli(['--strategy', 'guess'], silent), CommanderError);
});

test('errors map to the documented exit codes', () => {
  assert.equal(exitCodeFor(new UsageError('x')), EXIT.usage);
  assert.equal(exitCodeFor(new ConfigError('x')), EXIT.usage);
  assert.equal(exitCodeFor(new AbortedError()), EXIT.aborted);
  assert.equal(exitCodeFor(new RunError('x')), EXIT.failed);
  assert.equal(exitCodeFor(new TypeError('x')), EXIT.internal);
});

test('--task chooses detection or pose; anything else is bad usage', () => {
  const plain = parseCli([], silent);
  assert.equal(plain.command === 'run' && plain.options.task, undefined, 'unset: the config decides');
  const pose = parseCli(['--task', 'pose'], silent);
  assert.equal(pose.command === 'run' && pose.options.task, 'pose');
  assert.throws(() => parseCli(['--task', 'segmentation'], silent), CommanderError);
});

test('kubernetes flags reach the run options', () => {
  const cli = parseCli(['--backend', 'kubernetes', '--context', 'lab', '--namespace', 'study', '--image', 'r/cd:1', '--kubeconfig', '/k', '--node-address', '10.0.0.5'], silent);
  assert.ok(cli.command === 'run');
  const { context, namespace, image, kubeconfig, nodeAddress } = cli.options;
  assert.deepEqual({ context, namespace, image, kubeconfig, nodeAddress }, { context: 'lab', namespace: 'study', image: 'r/cd:1', kubeconfig: '/k', nodeAddress: '10.0.0.5' });
});

test('purge: --backend and the cluster flags count before or after the subcommand; after wins', () => {
  delete process.env.CLOUDDETECT_BACKEND;
  assert.deepEqual(parseCli(['--backend', 'kubernetes', '--context', 'lab', 'purge'], silent), {
    command: 'purge', options: { backend: 'kubernetes', verbose: false, context: 'lab' },
  });
  assert.deepEqual(parseCli(['purge', '--backend', 'kubernetes', '--namespace', 'study', '--kubeconfig', '/k'], silent), {
    command: 'purge', options: { backend: 'kubernetes', verbose: false, namespace: 'study', kubeconfig: '/k' },
  });
  const both = parseCli(['--backend', 'fake', 'purge', '--backend', 'local', '--verbose'], silent);
  assert.deepEqual(both, { command: 'purge', options: { backend: 'local', verbose: true } });
});
