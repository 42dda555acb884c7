/**
 * Command line → typed options. Flags win over environment variables, which
 * win over defaults (CLOUDDETECT_BACKEND, CLOUDDETECT_CONFIG,
 * CLOUDDETECT_RESULTS_DIR; backends read their own credentials, e.g.
 * KUBECONFIG). Commander never exits the process here: run-all.mjs does.
 */
import { Command, CommanderError, Option } from 'commander';
import { BACKEND_NAMES, type BackendName } from '../deploy/index.js';

export interface RunOptions {
  config: string;
  quick: boolean;
  dryRun: boolean;
  resume?: string;
  keep: boolean;
  logFile?: string;
  verbose: boolean;
  backend: BackendName;
  fitHost: boolean;
  strategy?: 'search' | 'ramp';
  resultsDir: string;
  report: boolean;
}

export type Cli = { command: 'run'; options: RunOptions } | { command: 'purge'; options: { backend: BackendName; verbose: boolean } };

export { CommanderError };

const backendOption = () =>
  new Option('--backend <name>', 'where replicas run').choices(BACKEND_NAMES).default('local').env('CLOUDDETECT_BACKEND');

export function parseCli(args: readonly string[], out: { write: (s: string) => void; writeErr: (s: string) => void } = {
  write: (s) => process.stdout.write(s),
  writeErr: (s) => process.stderr.write(s),
}): Cli {
  let cli: Cli | undefined;
  const program = new Command('run-all')
    .description('Run the CloudDetect scaling study: plan → deploy → trials → results → report')
    .exitOverride()
    .enablePositionalOptions()
    .configureOutput({ writeOut: out.write, writeErr: out.writeErr })
    .addOption(new Option('--config <file>', 'study configuration (JSON)').default('experiments/configs/assignment.json').env('CLOUDDETECT_CONFIG'))
    .option('--quick', 'the config\'s "quick" profile: fewer, shorter trials, same structure', false)
    .option('--dry-run', 'print the plan, estimated duration and capacity check; start nothing', false)
    .option('--resume <run-dir>', 'continue a run: finished trials are kept and skipped')
    .option('--keep', 'leave the replicas running at the end (and after Ctrl-C)', false)
    .option('--log-file <file>', 'JSON log (default: <run-dir>/run.log)')
    .option('--verbose', 'debug-level log, mirrored to stderr', false)
    .addOption(backendOption())
    .option('--fit-host', 'scale per-replica CPU down so the largest cell fits the host (recorded)', false)
    .addOption(new Option('--strategy <name>', 'max-users strategy (overrides the config)').choices(['search', 'ramp']))
    .addOption(new Option('--results-dir <dir>', 'where run directories are created').default('results').env('CLOUDDETECT_RESULTS_DIR'))
    .option('--no-report', 'skip the PDF report at the end')
    .action((o: Omit<RunOptions, 'report'> & { report: boolean }) => {
      cli = { command: 'run', options: o };
    });
  program
    .command('purge')
    .description('remove everything a crashed run left behind (processes, cgroups, namespaces, cluster objects)')
    .addOption(backendOption())
    .option('--verbose', 'print each removed item', false)
    .action((o: { backend: BackendName; verbose: boolean }) => {
      cli = { command: 'purge', options: o };
    });
  program.parse([...args], { from: 'user' });
  if (!cli) throw new CommanderError(2, 'run-all.nothing', 'nothing to do');
  return cli;
}
