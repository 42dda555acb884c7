#!/usr/bin/env zx
// zx experiments/report.mjs <run-dir> [--format A4|Letter] [--lang en|zh] [--notes <file>]
// Renders <run-dir>/report.html and <run-dir>/report.pdf (reports/cli.ts).
// Exit codes: 0 written (warnings printed), 1 a run file or the browser failed, 2 bad arguments.
import { register } from 'tsx/esm/api';

register();
const { reportMain } = await import('../reports/cli.ts');

// zx and node put different things before our arguments; take what follows this script
const self = process.argv.findIndex((a) => a.endsWith('report.mjs'));
process.exit(await reportMain(process.argv.slice(self + 1)));
