#!/usr/bin/env zx
// zx experiments/report.mjs <run-dir> [--format A4|Letter] [--lang en|zh] [--notes <file>]
// Renders <run-dir>/report.html and <run-dir>/report.pdf from the recorded
// results. Exit codes: 0 written (warnings printed), 1 a run file or the
// browser failed, 2 bad arguments.
import { Command, Option } from 'commander';
import { register } from 'tsx/esm/api';

register();
const { renderReport } = await import('../reports/index.ts');

// zx and node put different things before our arguments; take what follows this script
const self = process.argv.findIndex((a) => a.endsWith('report.mjs'));
const args = process.argv.slice(self + 1);

const program = new Command('report')
  .description('Render report.html and report.pdf for a finished run directory')
  .argument('<run-dir>', 'run directory (results/<run-id>)')
  .addOption(new Option('--format <size>', 'paper size').choices(['A4', 'Letter']).default('A4'))
  .addOption(new Option('--lang <lang>', 'report language').choices(['en', 'zh']).default('en'))
  .option('--notes <file>', "author's notes: front matter + ## Analysis / ## Challenges (default <run-dir>/notes.md)")
  .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2))
  .showHelpAfterError();

program.parse(args, { from: 'user' });
const [runDir] = program.args;
const opts = program.opts();

try {
  const out = await renderReport(runDir, { format: opts.format, lang: opts.lang, notes: opts.notes, log: (m) => console.log(m) });
  for (const w of out.warnings) {
    if (w.startsWith('WORD LIMIT')) console.error(`\n!!!!!!!!!! ${w} !!!!!!!!!!\n`);
    else console.error(`warning: ${w}`);
  }
  console.log(`report: ${out.words} words; open ${out.pdf}`);
} catch (err) {
  console.error(`report: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
