/**
 * Command line → typed options. Flags win over environment variables, which
 * win over defaults (CLOUDDETECT_BACKEND, CLOUDDETECT_CONFIG,
 * CLOUDDETECT_RESULTS_DIR; the kubernetes flags over CLOUDDETECT_K8S_*, which
 * the backend reads itself). Commander never exits the process here:
 * run-all.mjs does.
 */
import { Command, CommanderError, Option } from 'commander';
import type { KubeFlags } from '../deploy/backend.js';
import { BACKEND_NAMES, type BackendName } from '../deploy/registry.js';
import type { Task } from '../contracts/domain.js';
import { STUDY_NAMES, type StudyName } from '../plan/config.js';

export interface RunOptions extends KubeFlags {
  /** unset: the study's default config (experiments/configs/) */
  config?: string;
  /** overrides the config's "study"; picks the default config when --config is not given */
  study?: StudyName;
  quick: boolean;
  dryRun: boolean;
  resume?: string;
  keep: boolean;
  logFile?: string;
  verbose: boolean;
  backend: BackendName;
  /** overrides the config's "task" */
  task?: Task;
  fitHost: boolean;
  strategy?: 'search' | 'ramp';
  resultsDir: string;
  report: boolean;
}

export interface PurgeOptions extends KubeFlags {
  backend: BackendName;
  verbose: boolean;
}

export type Cli = { command: 'run'; options: RunOptions } | { command: 'purge'; options: PurgeOptions };

export { CommanderError };

const KUBE_KEYS = new Set<string>(['kubeconfig', 'context', 'namespace', 'image', 'nodeAddress'] satisfies (keyof KubeFlags)[]);

const backendOption = () =>
  new Option('--backend <name>', 'where replicas run').choices(BACKEND_NAMES).default('local').env('CLOUDDETECT_BACKEND');

function addKubeFlags(cmd: Command, withRunOnly: boolean): Command {
  cmd
    .option('--kubeconfig <file>', 'kubernetes: kubeconfig file (default: CLOUDDETECT_K8S_KUBECONFIG, KUBECONFIG, ~/.kube/config)')
    .option('--context <name>', 'kubernetes: kubeconfig context (default: CLOUDDETECT_K8S_CONTEXT, the current context)')
    .option('--namespace <name>', "kubernetes: namespace (default: CLOUDDETECT_K8S_NAMESPACE, the context's)");
  if (withRunOnly) {
    cmd
      .option('--image <ref>', 'service image; kubernetes: default CLOUDDETECT_K8S_IMAGE, clouddetect:latest; podman: docker.io/library/clouddetect:runtime')
      .option('--node-address <host>', 'kubernetes: address of the NodePort for the remote client (default: CLOUDDETECT_K8S_NODE_ADDRESS, discovered)');
  }
  return cmd;
}

export function parseCli(args: readonly string[], out: { write: (s: string) => void; writeErr: (s: string) => void } = {
  write: (s) => process.stdout.write(s),
  writeErr: (s) => process.stderr.write(s),
}): Cli {
  let cli: Cli | undefined;
  const program = new Command('run-all')
    .description('Run a CloudDetect study: plan → deploy → load → record → analyse → report')
    .exitOverride()
    // Options after `purge` belong to purge; those before it to the study (see the purge action).
    .enablePositionalOptions()
    .configureOutput({ writeOut: out.write, writeErr: out.writeErr })
    .addOption(new Option('--study <name>', 'which study (default: the config\'s "study", else replicas)').choices(STUDY_NAMES))
    .addOption(new Option('--config <file>', 'study configuration (JSON; default: the study\'s own, experiments/configs/assignment.json for replicas)').env('CLOUDDETECT_CONFIG'))
    .option('--quick', 'the config\'s "quick" profile: fewer, shorter trials, same structure', false)
    .option('--dry-run', 'print the plan, estimated duration and capacity check (kubernetes: the manifests on stdout); start nothing', false)
    .option('--resume <run-dir>', 'continue a run: finished trials are kept and skipped')
    .option('--keep', 'leave the replicas running at the end (and after Ctrl-C)', false)
    .option('--log-file <file>', 'JSON log (default: <run-dir>/run.log)')
    .option('--verbose', 'debug-level log, mirrored to stderr', false)
    .addOption(backendOption())
    .addOption(new Option('--task <name>', 'what the replicas serve (overrides the config)').choices(['detection', 'pose']))
    .option('--fit-host', 'scale per-replica CPU down so the largest cell fits the host (recorded)', false)
    .addOption(new Option('--strategy <name>', 'max-users strategy (overrides the config)').choices(['search', 'ramp']))
    .addOption(new Option('--results-dir <dir>', 'where run directories are created').default('results').env('CLOUDDETECT_RESULTS_DIR'))
    .option('--no-report', 'skip the PDF report at the end');
  addKubeFlags(program, true).action((o: Omit<RunOptions, 'report'> & { report: boolean }) => {
    cli = { command: 'run', options: o };
  });
  const purge = program
    .command('purge')
    .description('remove everything a crashed run left behind (processes, containers, cgroups, namespaces, cluster objects)')
    .addOption(backendOption())
    .option('--verbose', 'print each removed item', false);
  addKubeFlags(purge, false).action((o: PurgeOptions & Record<string, unknown>, cmd: Command) => {
    // `run-all --backend kubernetes purge` means the same as `run-all purge --backend kubernetes`.
    const parent = program.opts<Record<string, unknown>>();
    const own = (key: string) => cmd.getOptionValueSource(key) === 'cli';
    const backend = own('backend') ? o.backend : (parent.backend as BackendName);
    const kube = (from: Record<string, unknown>) => Object.fromEntries(Object.entries(from).filter(([k, v]) => KUBE_KEYS.has(k) && typeof v === 'string'));
    cli = {
      command: 'purge',
      options: { backend, verbose: o.verbose || parent.verbose === true, ...kube(parent), ...kube(o) },
    };
  });
  program.parse([...args], { from: 'user' });
  if (!cli) throw new CommanderError(2, 'run-all.nothing', 'nothing to do');
  return cli;
}
