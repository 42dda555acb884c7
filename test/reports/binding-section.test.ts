/**
 * The binding study's report section on a run directory written by the
 * study's own analysis from trials whose numbers are known: its tables and
 * figures, the verdict in the comparison table, the smoke banner, and a
 * summary CSV that no longer matches its results named.
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { bindingStudy } from '../../experiments/studies/binding.js';
import { loadRunFiles } from '../../reports/run-files.js';
import { REPORT_SECTIONS } from '../../reports/sections/index.js';
import { renderSvg } from '../../reports/svg.js';
import { load, quickPlan, trialOf } from '../helpers/binding-trials.js';
import { tempDir } from '../experiments/helpers.js';

let tmp: Awaited<ReturnType<typeof tempDir>>;
before(async () => {
  tmp = await tempDir('cd-binding-report-');
  const plan = await quickPlan();
  const trials = plan.cells.filter((c) => c.openLoad!.round === 0).map((c) =>
    trialOf(plan, c.openLoad!.policy, load(150, (i) => (c.openLoad!.policy === 'late-binding' ? i % 20 : 200 + i))));
  await mkdir(join(tmp.dir, 'trials'));
  await writeFile(join(tmp.dir, 'plan.json'), JSON.stringify(plan));
  for (const t of trials) await writeFile(join(tmp.dir, 'trials', `${t.id}.json`), JSON.stringify(t));
  for (const [name, text] of Object.entries(bindingStudy.analyse(plan, trials, { limitsEnforced: true, createdAt: '2026-12-01T00:00:00Z' }))) await writeFile(join(tmp.dir, name), text);
});
after(async () => tmp.cleanup());

test('the section shows JCT by policy, by size class, the short-job verdict, the replicas and both figures', async () => {
  const files = loadRunFiles(tmp.dir);
  const body = REPORT_SECTIONS.binding.build(files, 'en');
  const ids = body.blocks.map((b) => ('table' in b ? b.table.id : b.figure.id));
  assert.deepEqual(ids, ['jct', 'classes', 'short', 'replicas', 'cdf', 'slowdown']);
  const short = body.blocks.find((b) => 'table' in b && b.table.id === 'short');
  assert.ok(short && 'table' in short);
  const late = short.table.rows.find((r) => r[0]!.text === 'late-binding')!;
  assert.equal(late.at(-1)!.text, 'lower');
  assert.match(body.setup, /4 replicas \(0\.375 \(scaled by --fit-host from 0\.5\) CPU/);
  assert.deepEqual(body.banners.length, 1, 'a quick run says it is a smoke run');
  assert.ok(body.observations.length > 0 && body.analysis.length > 0);
  assert.deepEqual(files.warnings.filter((w) => /experiment_summary/.test(w)), []);
  for (const b of body.blocks) if ('figure' in b) assert.match(await renderSvg(b.figure.spec), /^<svg/);
});

test('a summary CSV edited after the analysis is named, not trusted', async () => {
  await writeFile(join(tmp.dir, 'experiment_summary.csv'), 'policy,load\nx,1\n');
  const files = loadRunFiles(tmp.dir);
  REPORT_SECTIONS.binding.build(files, 'zh');
  assert.ok(files.warnings.some((w) => /does not match experiment_results\.json/.test(w)));
});
