/**
 * `zx experiments/report.mjs <run-dir> [--format A4|Letter] [--lang en|zh] [--notes <file>]`:
 * renders <run-dir>/report.html and <run-dir>/report.pdf from the recorded
 * results. Exit codes: 0 written (warnings printed), 1 a run file or the
 * browser failed, 2 bad arguments.
 */
import { Command, CommanderError, Option } from 'commander';
import { renderReport } from './index.js';

export async function reportMain(args: readonly string[]): Promise<number> {
  const program = new Command('report')
    .description('Render report.html and report.pdf for a finished run directory')
    .argument('<run-dir>', 'run directory (results/<run-id>)')
    .addOption(new Option('--format <size>', 'paper size').choices(['A4', 'Letter']).default('A4'))
    .addOption(new Option('--lang <lang>', 'report language').choices(['en', 'zh']).default('en'))
    .option('--notes <file>', "author's notes: front matter + ## Analysis / ## Challenges (default <run-dir>/notes.md)")
    .exitOverride()
    .showHelpAfterError();
  try {
    program.parse([...args], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    throw err;
  }
  const [runDir] = program.args;
  const opts = program.opts<{ format: 'A4' | 'Letter'; lang: 'en' | 'zh'; notes?: string }>();
  try {
    const out = await renderReport(runDir!, { format: opts.format, lang: opts.lang, ...(opts.notes ? { notes: opts.notes } : {}), log: (m) => console.log(m) });
    for (const w of out.warnings) {
      if (w.startsWith('WORD LIMIT')) console.error(`\n!!!!!!!!!! ${w} !!!!!!!!!!\n`);
      else console.error(`warning: ${w}`);
    }
    console.log(`report: ${out.words} words; open ${out.pdf}`);
    return 0;
  } catch (err) {
    console.error(`report: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}
