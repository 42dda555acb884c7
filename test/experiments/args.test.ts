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
