import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { parseNotes } from '../../reports/notes.js';
import { loadRunFiles } from '../../reports/run-files.js';
import { replicasSection } from '../../reports/sections/replicas/index.js';
import type { TableView } from '../../reports/sections/types.js';
import { WORDS } from '../../reports/terms.js';
import { buildView, type ViewInput } from '../../reports/view.js';
import { loadFixtureRun, writeRun, type FixtureRun } from '../fixtures/make-run-fixture.js';

const words = (n: number) => Array.from({ length: n }, (_, i) => `w${i}`).join(' ');
const tmp = mkdtempSync(join(tmpdir(), 'report-view-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
let runs = 0;

function view(notes: string | null, o: { configFields?: ViewInput['configFields']; lang?: 'en' | 'zh'; edit?: (run: FixtureRun) => void; format?: 'A4' | 'Letter' } = {}) {
  const run = loadFixtureRun();
  o.edit?.(run);
  const dir = join(tmp, `run-${(runs += 1)}`);
  writeRun(dir, run);
  const files = loadRunFiles(dir);
  const lang = o.lang ?? 'en';
  const body = replicasSection.build(files, lang);
  return buildView({
    body, files, figures: [], notes: notes === null ? null : parseNotes(notes, 'notes.md'),
    notesFile: 'runs/x/notes.md', configFields: o.configFields ?? {}, lang, format: o.format ?? 'A4', generatedLabel: WORDS[lang].generated,
  });
}

const table = (v: ReturnType<typeof view>, id: string): TableView => {
  const b = v.context.blocks.find((x) => x.kind === 'table' && x.table.id === id);
  if (!b || b.kind !== 'table') throw new Error(`no ${id}`);
  return b.table;
};

test("the author's sections add exactly their own words; references and tables add none", () => {
  const noAnalysis = `## Analysis\n\nx\n\n## Challenges\n\ny\n`;
  const base = view(noAnalysis).words;
  const withNotes = view(`## Analysis\n\nx ${words(300)}\n\n| a | b |\n|---|---|\n| ${words(50)} | x |\n\n## Challenges\n\ny ${words(120)}\n\n## References\n\n${words(80)}\n`);
  assert.equal(withNotes.words - base, 420);
});

test('over 1500 words is a loud warning and a visible notice', () => {
  const base = view(`## Analysis\n\nx\n\n## Challenges\n\nx\n`).words;
  const over = view(`## Analysis\n\nx ${words(1502 - base)}\n\n## Challenges\n\nx\n`);
  assert.equal(over.words, 1502);
  assert.ok(over.warnings.some((w) => /^WORD LIMIT EXCEEDED: .*1502 words, 2 over/.test(w)));
  assert.equal(over.context.wordCount.over, true);
  const under = view(`## Analysis\n\nx ${words(1500 - base)}\n\n## Challenges\n\nx\n`);
  assert.equal(under.words, 1500);
  assert.ok(!under.warnings.some((w) => w.startsWith('WORD LIMIT')));
});

test('without notes the analysis is generated from the data and labelled so; the challenges stay a placeholder', () => {
  const v = view(null);
  assert.equal(v.context.analysis.html, null);
  assert.equal(v.context.analysis.generated?.label, WORDS.en.generated);
  assert.ok(v.context.analysis.generated!.paragraphs.length >= 3);
  assert.ok(v.context.analysis.words > 50 && v.context.analysis.words <= 1000, `${v.context.analysis.words} words`);
  assert.match(v.context.challenges.placeholder!, /three distributed-systems challenges/);
  assert.ok(v.context.header.people.every((p) => p.placeholder && p.value === '[not given]'));
  assert.ok(v.warnings.some((w) => /Full name, Student ID, Supervisor, Title missing/.test(w)));
});

test('header fields come from plan.json, the notes front matter overrides them, empty keys do not erase them', () => {
  const v = view('---\nname: Ada\nsupervisor:\n---\n## Analysis\nx\n## Challenges\ny\n', { configFields: { name: 'Plan Name', supervisor: 'Dr Plan', studentId: '42', title: 'T' } });
  assert.deepEqual(v.context.header.people.map((p) => p.value), ['Ada', '42', 'Dr Plan']);
  assert.deepEqual(v.warnings.filter((w) => !w.startsWith('experiment_summary')), []);
});

test('Table 1: one trial prints the value and "(1 trial)", never ± 0; marks name the limit, capacity-bound and invalid trials', () => {
  const run = loadFixtureRun();
  const v = view(null, { edit: (r) => { r.results.cells.find((c) => c.replicas === 2 && c.location === 'remote')!.invalidTrials = 1; } });
  const t1 = table(v, 'table1');
  const row8 = t1.rows.find((r) => r[0]!.text === '8')!;
  const cell = run.results.cells.find((c) => c.replicas === 8 && c.location === 'cluster')!;
  assert.equal(cell.maxUsers.n, 1);
  assert.equal(row8[1]!.text, String(cell.maxUsers.mean));
  assert.equal(row8[1]!.note, '(1 trial)');
  assert.doesNotMatch(JSON.stringify(t1), /± 0\.0/);
  const marks = row8[1]!.marks!.split(',');
  assert.ok(marks.includes({ replicas: 'R', 'host-cpu': 'H', network: 'N', 'load-generator': 'G', timeout: 'T', unknown: 'U', none: '∞' }[cell.limitedBy]));
  if (cell.capacityBound) assert.ok(marks.includes('a'));
  assert.ok(t1.rows.find((r) => r[0]!.text === '2')![3]!.marks!.split(',').includes('c'));
  assert.ok(t1.footnotes.some((f) => /limited by/.test(f.text)));
});

test('the task in the results picks the product wording: pose runs read as CloudPose', () => {
  const v = view(null, { edit: (r) => { r.results.task = 'pose'; }, format: 'Letter' });
  assert.match(v.context.subtitle, /CloudPose pose-estimation web service/);
  assert.match(v.context.setup, /^The CloudPose pose-estimation web service \(\/api\/pose_estimation\)/);
  assert.equal(v.context.pageSize, 'letter');
});

test('the set-up paragraph states only what was measured: pod counts, locations and their network paths', () => {
  const run = loadFixtureRun();
  const v = view(null, { edit: (r) => { r.results.cells = r.results.cells.filter((c) => c.replicas !== 8); } });
  const remote = run.results.cells.find((c) => c.location === 'remote')!.network;
  assert.match(v.context.setup, /ran as 1, 2, 4 replicas/);
  assert.ok(v.context.setup.includes(`Remote client, ${remote.description} (measured RTT ${remote.rttMs!.toFixed(1)} ms, ${remote.bandwidthMbit!.toFixed(1)} Mbit/s)`), v.context.setup);
  assert.equal(v.context.setup.match(/measured RTT/g)?.length, 2, 'each path states its measurement once');
});

test('a run measured from one location only still fills Table 1, with — for the other location', () => {
  const v = view(null, { edit: (r) => { r.results.cells = r.results.cells.filter((c) => c.location === 'cluster'); r.trials = r.trials.filter((t) => t.location === 'cluster'); } });
  for (const row of table(v, 'table1').rows) {
    assert.notEqual(row[1]!.text, '—');
    assert.equal(row[3]!.text, '—');
    assert.equal(row[3]!.marks, '*');
  }
  assert.match(v.context.setup, /Clients generated load from the Master node;/);
});

test('a quick-profile run carries the smoke-run banner; a full one does not', () => {
  assert.deepEqual(view(null, { edit: (r) => { r.results.profile = 'quick'; } }).context.banners, ['Smoke run: one short trial per cell, not for submission.']);
  assert.deepEqual(view(null, { edit: (r) => { r.results.profile = null; } }).context.banners, []);
});

test('--lang zh gives Chinese tables and the same numbers', () => {
  const en = table(view(null), 'table1');
  const zh = table(view(null, { lang: 'zh' }), 'table1');
  assert.equal(zh.head[0]![0]!.text, 'Pod 数量');
  assert.deepEqual(zh.rows.map((r) => r.map((c) => c.text)), en.rows.map((r) => r.map((c) => c.text)));
});
