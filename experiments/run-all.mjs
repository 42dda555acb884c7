#!/usr/bin/env zx
/**
 * CloudDetect, one command: a whole study, plan → deploy → load → record →
 * analyse → report (experiments/cli/main.ts; `--help` lists every flag).
 *
 *   zx experiments/run-all.mjs [--study replicas] [--quick] [--dry-run] [--resume DIR] …
 *   zx experiments/run-all.mjs purge [--backend NAME]
 *
 * Exit codes: 0 done, 1 internal error, 2 bad usage/config, 3 aborted, 4 run failed.
 */
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./cli/main.ts');

// Under zx the script's own path sits in argv after zx's; under plain node, at argv[1].
const self = process.argv.findIndex((a) => a.endsWith('run-all.mjs'));
process.exit(await main(process.argv.slice(self + 1)));
